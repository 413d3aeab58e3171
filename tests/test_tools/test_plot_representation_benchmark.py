"""tools/analysis/plot_representation_benchmark.py: the any-order and per-block figures from a
results.json, one line per encoder that has them; a file without them is a one-line error."""
import json

import numpy as np
from PIL import Image

from tests.helpers.tool_runs import run_tool, tool_error


def results_file(path, with_new_evaluations=True):
    """A results.json as representation_benchmark.py writes it: two SAIM-model rows with
    the any-order loss and the k-NN of every block, and MAE with the latter only."""
    preset = dict(vit=dict(arch=dict(embed_dims=192, num_layers=6), patch_size=8),
                  crop_size=48, pretrain=dict(epochs=20))
    methods = {method: dict(name=name, knn=dict(cls=30., patch_mean=40.))
               for method, name in (('saim', 'SAIM, stochastic'), ('saim_raster', 'SAIM, raster'),
                                    ('mae', 'MAE'))}
    if with_new_evaluations:
        for method, offset in (('saim', 0.), ('saim_raster', .05), ('mae', .1)):
            methods[method]['knn_blocks'] = dict(
                patch_mean=[30 + k + 10 * offset for k in range(6)])
            if method != 'mae':
                steps = list(np.linspace(1., .5, 36) + offset)
                methods[method]['any_order'] = {
                    'stochastic': float(np.mean(steps)), 'raster': .7 + offset,
                    'center-out': .72 + offset, 'stochastic_steps': steps}
    path.write_text(json.dumps(dict(settings=dict(preset=preset, seed=0), methods=methods)))
    return path


def test_writes_both_figures(tmp_path):
    results = results_file(tmp_path / 'results.json')
    output = run_tool('analysis/plot_representation_benchmark.py', results,
                      '--out-dir', tmp_path / 'figures')
    for name in ('any_order_steps.png', 'knn_blocks.png'):
        figure = tmp_path / 'figures' / name
        assert str(figure) in output
        with Image.open(figure) as image:
            assert image.format == 'PNG' and image.width > 400 and image.height > 300
            pixels = np.asarray(image.convert('RGB'))
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # lines, text, legend


def test_results_without_the_evaluations(tmp_path):
    line = tool_error('analysis/plot_representation_benchmark.py',
                      results_file(tmp_path / 'results.json', with_new_evaluations=False),
                      '--out-dir', tmp_path)
    assert 'holds no any_order or knn_blocks results' in line
    line = tool_error('analysis/plot_representation_benchmark.py', tmp_path / 'missing.json')
    assert 'no results file' in line
    (tmp_path / 'other.json').write_text('[1, 2]')
    line = tool_error('analysis/plot_representation_benchmark.py', tmp_path / 'other.json')
    assert 'is not a results.json' in line

