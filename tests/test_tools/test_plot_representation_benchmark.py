"""tools/analysis/plot_representation_benchmark.py: the any-order and per-block figures from a
results.json, one line per encoder that has them; a file without them is a one-line error."""
import json

import numpy as np
import pytest
from PIL import Image

from tests.helpers.tool_runs import import_tool, run_tool, tool_error


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


@pytest.mark.slow
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
    assert 'hold no results of any_order, knn_blocks' in line
    line = tool_error('analysis/plot_representation_benchmark.py', tmp_path / 'missing.json')
    assert 'no results file' in line
    (tmp_path / 'other.json').write_text('[1, 2]')
    line = tool_error('analysis/plot_representation_benchmark.py', tmp_path / 'other.json')
    assert 'is not a results.json' in line



def epochs_results(path, epochs, knn, finetune, seed=0):
    """A results.json of the SAIM rows pretrained for ``epochs``."""
    preset = dict(vit=dict(arch=dict(embed_dims=192, num_layers=6), patch_size=8),
                  crop_size=32, pretrain=dict(epochs=epochs, warmup_epochs=2))
    methods = {method: dict(name=name, knn=dict(cls=30., patch_mean=knn[i]),
                            finetune=dict(top1=finetune[i]),
                            any_order=dict(stochastic=.5 + i, raster=.5, **{'center-out': .5}))
               for i, (method, name) in enumerate((('saim', 'SAIM, stochastic'),
                                                   ('saim_raster', 'SAIM, raster')))}
    path.write_text(json.dumps(dict(settings=dict(preset=preset, seed=seed,
                                                  data=dict(val=3925)), methods=methods)))
    return path


@pytest.mark.slow
def test_evaluations_against_the_pretraining_epochs(tmp_path):
    later = epochs_results(tmp_path / '80.json', 80, knn=(52.7, 50.), finetune=(65.9, 66.))
    earlier = epochs_results(tmp_path / '20.json', 20, knn=(41.4, 41.6), finetune=(60.5, 63.1))
    output = run_tool('analysis/plot_representation_benchmark.py', later, earlier,
                      '--out-dir', tmp_path / 'figures')
    figure = tmp_path / 'figures' / 'pretraining_epochs.png'
    assert str(figure) in output and not (tmp_path / 'figures' / 'knn_blocks.png').exists()
    with Image.open(figure) as image:
        assert image.format == 'PNG' and image.width > 2 * image.height  # three panels in a row

    plot = import_tool('analysis/plot_representation_benchmark.py')
    runs = plot.same_but_epochs([plot.read_results(str(p)) for p in (later, earlier)],
                                [str(later), str(earlier)])
    series = plot.epoch_series(runs)
    assert list(series) == ['k-NN top-1, patch mean', 'fine-tune top-1',
                            'any-order loss, stochastic order']
    epochs, values, errors = series['fine-tune top-1']['SAIM, raster']
    assert epochs == [20, 80] and values == [63.1, 66.]
    # one binomial standard error on 3,925 images: sqrt(p (1 - p) / n)
    assert errors == pytest.approx([0.7702, 0.7561], abs=1e-4)
    assert series['any-order loss, stochastic order']['SAIM, raster'] == ([20, 80], [1.5, 1.5],
                                                                           None)


def test_results_of_other_settings_are_not_mixed(tmp_path):
    other_seed = epochs_results(tmp_path / 'a.json', 80, (1., 1.), (1., 1.), seed=1)
    line = tool_error('analysis/plot_representation_benchmark.py', other_seed,
                      epochs_results(tmp_path / 'b.json', 20, (1., 1.), (1., 1.)))
    assert 'differ in more than the pretraining epochs' in line
    line = tool_error('analysis/plot_representation_benchmark.py', other_seed,
                      epochs_results(tmp_path / 'c.json', 80, (1., 1.), (1., 1.), seed=1))
    assert 'one file per pretraining length' in line
