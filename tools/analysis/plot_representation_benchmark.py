"""Figures of the representation benchmark's results, one line per encoder.

    python tools/analysis/plot_representation_benchmark.py \
        work_dirs/representation_benchmark_cpu/results.json --out-dir docs/images/cpu

Reads the ``results.json`` of ``tools/analysis/representation_benchmark.py`` and writes,
for what it holds:

  any_order_steps.png  the pretraining loss of the patch predicted at step t, t = 1..N, in
                       the stochastic order on the val images (the ``any_order``
                       evaluation), with the mean of each order in the legend;
  knn_blocks.png       the k-NN top-1 of the mean patch token of every block (the
                       ``knn_blocks`` evaluation).

The preset and the seed of the results are in each figure's title. Prints the files it
wrote; a results file with neither evaluation is an error.
"""
import json
import os
import os.path as osp
import sys

import matplotlib

matplotlib.use('Agg')  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from mmsaim.cli import run_tool, tool_parser  # noqa: E402

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tools/ are scripts, not a package
from imagenette_benchmark.rows import ANY_ORDER, ROWS  # noqa: E402


def setting(results: dict) -> str:
    """The preset and seed of ``results`` in a few words, for a title."""
    settings = results['settings']
    preset = settings['preset']
    patches = (preset['crop_size'] // preset['vit']['patch_size'])**2
    return (f"ViT width {preset['vit']['arch']['embed_dims']}, {patches} patches, "
            f"{preset['pretrain']['epochs']} epochs, seed {settings['seed']}")


def rows_with(results: dict, evaluation: str) -> list:
    """``(name, record[evaluation])`` of the rows that hold ``evaluation``, in table order."""
    methods = results['methods']
    return [(methods[m]['name'], methods[m][evaluation]) for m in ROWS
            if evaluation in methods.get(m, {})]


def save_with_legend(fig, ax, out_file: str) -> None:
    """Grid, the legend beside the axes (six rows' lines would hide under it inside), save."""
    ax.grid(alpha=.3)
    ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.01, 1.))
    fig.savefig(out_file, dpi=120, bbox_inches='tight')
    plt.close(fig)


def plot_any_order(results: dict, out_file: str) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for name, record in rows_with(results, 'any_order'):
        steps = record['stochastic_steps']
        means = ', '.join(f'{order} {record[order]:.3f}' for order in ANY_ORDER)
        ax.plot(range(1, len(steps) + 1), steps, marker='.', label=f'{name}\n(mean: {means})')
    ax.set(xlabel='prediction step t (stochastic order)',
           ylabel='loss of the patch predicted at step t',
           title=f'Any-order prediction on the val images\n{setting(results)}')
    save_with_legend(fig, ax, out_file)


def plot_knn_blocks(results: dict, out_file: str) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for name, record in rows_with(results, 'knn_blocks'):
        accuracy = record['patch_mean']
        ax.plot(range(1, len(accuracy) + 1), accuracy, marker='o', label=name)
    ax.set(xlabel='block', ylabel='k-NN top-1 (%), mean patch token, no final norm',
           title=f'k-NN of every block\n{setting(results)}')
    ax.xaxis.get_major_locator().set_params(integer=True)
    save_with_legend(fig, ax, out_file)


FIGURES = {'any_order': ('any_order_steps.png', plot_any_order),
           'knn_blocks': ('knn_blocks.png', plot_knn_blocks)}


def main(args) -> list:
    """Write the figures that ``args.results`` holds into ``args.out_dir``; their paths."""
    if not osp.isfile(args.results):
        raise FileNotFoundError(f'no results file {args.results}: give the results.json '
                                'of a representation_benchmark.py work dir')
    with open(args.results) as f:
        results = json.load(f)
    if not isinstance(results, dict) or not {'settings', 'methods'} <= set(results):
        raise ValueError(f'{args.results} is not a results.json of '
                         'representation_benchmark.py (it needs settings and methods)')
    todo = [e for e in FIGURES if rows_with(results, e)]
    if not todo:
        raise ValueError(f'{args.results} holds no {" or ".join(FIGURES)} results; add them '
                         'with representation_benchmark.py --evaluations ' + ' '.join(FIGURES))
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for evaluation in todo:
        name, plot = FIGURES[evaluation]
        plot(results, osp.join(args.out_dir, name))
        written.append(osp.join(args.out_dir, name))
        print(written[-1])
    return written


def build_parser():
    parser = tool_parser(__doc__)
    parser.add_argument('results', help="a representation benchmark's results.json")
    parser.add_argument('--out-dir', default='.', help='where the PNG files go')
    return parser


if __name__ == '__main__':
    run_tool(build_parser(), main)
