r"""Figures of the representation benchmark's results, one line per encoder.

    python tools/analysis/plot_representation_benchmark.py \
        work_dirs/representation_benchmark_cpu/results.json --out-dir work_dirs/figures
    python tools/analysis/plot_representation_benchmark.py \
        work_dirs/representation_benchmark_cpu/results.json \
        work_dirs/representation_benchmark_cpu_80e/results.json --out-dir work_dirs/figures

Reads the ``results.json`` of ``tools/analysis/representation_benchmark.py`` and writes,
for what it holds:

  any_order_steps.png     the pretraining loss of the patch predicted at step t, t = 1..N, in
                          the stochastic order on the val images (the ``any_order``
                          evaluation), with the mean of each order in the legend;
  knn_blocks.png          the k-NN top-1 of the mean patch token of every block (the
                          ``knn_blocks`` evaluation);
  pretraining_epochs.png  given several results files of one preset and seed that differ
                          in the pretraining epochs (``--epochs``), instead of the two above:
                          each evaluation of each encoder against the pretraining epochs,
                          the accuracies with bars of one standard error (binomial, on the
                          val images).

The preset and the seed of the results are in each figure's title. Prints the files it
wrote; results with none of these evaluations are an error.
"""
import json
import math
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


# (evaluation, result, panel title) of the pretraining_epochs.png panels; accuracies in %
EPOCH_PANELS = (('knn', 'patch_mean', 'k-NN top-1, patch mean'),
                ('linear', 'patch_mean', 'linear probe top-1, patch mean'),
                ('attentive', 'patches', 'attentive probe top-1'),
                ('finetune', 'top1', 'fine-tune top-1'),
                ('any_order', 'stochastic', 'any-order loss, stochastic order'))


def epochs_of(results: dict) -> int:
    return results['settings']['preset']['pretrain']['epochs']


def epoch_series(runs: list) -> dict:
    """``{panel title: {row name: (epochs, values, standard errors or None)}}`` of ``runs``
    (results of one preset and seed, sorted by their pretraining epochs), for the panels
    of :data:`EPOCH_PANELS` that any of them holds."""
    num_val = runs[0]['settings']['data']['val']
    series = {}
    for evaluation, key, title in EPOCH_PANELS:
        for row in ROWS:
            points = [(epochs_of(r), r['methods'][row][evaluation][key]) for r in runs
                      if evaluation in r['methods'].get(row, {})]
            if not points:
                continue
            epochs, values = map(list, zip(*points))
            errors = None if evaluation == 'any_order' else [
                100 * math.sqrt(v / 100 * (1 - v / 100) / num_val) for v in values]
            name = next(r['methods'][row]['name'] for r in runs if row in r['methods'])
            series.setdefault(title, {})[name] = (epochs, values, errors)
    return series


def plot_pretraining_epochs(runs: list, out_file: str) -> None:
    series = epoch_series(runs)
    fig, axes = plt.subplots(1, len(series), figsize=(3.2 * len(series), 3.6), squeeze=False)
    for ax, (title, lines) in zip(axes[0], series.items()):
        for name, (epochs, values, errors) in lines.items():
            ax.errorbar(epochs, values, yerr=errors, marker='o', capsize=3, label=name)
        ax.set(xlabel='pretraining epochs', xticks=[epochs_of(r) for r in runs])
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=.3)
    preset = setting(runs[0]).rsplit(', ', 2)[0]  # without the epochs and the seed
    fig.suptitle(f"Against the pretraining length ({preset}, seed {runs[0]['settings']['seed']})",
                 fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc='lower center', ncol=len(labels),
               bbox_to_anchor=(.5, -.12))
    fig.tight_layout()
    fig.savefig(out_file, dpi=120, bbox_inches='tight')
    plt.close(fig)


FIGURES = {'any_order': ('any_order_steps.png', plot_any_order),
           'knn_blocks': ('knn_blocks.png', plot_knn_blocks)}


def read_results(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'no results file {path}: give the results.json '
                                'of a representation_benchmark.py work dir')
    with open(path) as f:
        results = json.load(f)
    if not isinstance(results, dict) or not {'settings', 'methods'} <= set(results):
        raise ValueError(f'{path} is not a results.json of '
                         'representation_benchmark.py (it needs settings and methods)')
    return results


def same_but_epochs(runs: list, paths: list) -> list:
    """``runs`` sorted by pretraining epochs, checked to differ in nothing else."""

    def without_epochs(results):
        settings = json.loads(json.dumps(results['settings']))
        del settings['preset']['pretrain']['epochs']
        return settings

    for path, results in zip(paths[1:], runs[1:]):
        if without_epochs(results) != without_epochs(runs[0]):
            raise ValueError(f'{path} and {paths[0]} differ in more than the pretraining '
                             'epochs: give results of one preset and seed')
    epochs = [epochs_of(r) for r in runs]
    if len(set(epochs)) != len(epochs):
        raise ValueError(f'{" ".join(paths)}: two results files of {max(epochs)} epochs; give '
                         'one file per pretraining length')
    return sorted(runs, key=epochs_of)


def main(args) -> list:
    """Write the figures that ``args.results`` hold into ``args.out_dir``; their paths."""
    runs = [read_results(path) for path in args.results]
    if len(runs) > 1:
        runs = same_but_epochs(runs, args.results)
        todo = [('pretraining_epochs.png', plot_pretraining_epochs, runs)
                ] if epoch_series(runs) else []
        wanted = ', '.join(p[0] for p in EPOCH_PANELS)
    else:
        todo = [(name, plot, runs[0]) for e, (name, plot) in FIGURES.items()
                if rows_with(runs[0], e)]
        wanted = ', '.join(FIGURES)
    if not todo:
        raise ValueError(f'{" ".join(args.results)} hold no results of {wanted}; add them '
                         'with representation_benchmark.py --evaluations')
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for name, plot, results in todo:
        plot(results, osp.join(args.out_dir, name))
        written.append(osp.join(args.out_dir, name))
        print(written[-1])
    return written


def build_parser():
    parser = tool_parser(__doc__)
    parser.add_argument('results', nargs='+',
                        help="a representation benchmark's results.json, or several of one "
                        'preset and seed with different pretraining epochs')
    parser.add_argument('--out-dir', default='.', help='where the PNG files go')
    return parser


if __name__ == '__main__':
    run_tool(build_parser(), main)
