"""tools/analysis/representation_benchmark.py on a toy folder: results per stage, reruns skip
what is recorded, other settings are refused; every pretraining model of both presets runs."""
import json
import os
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

from tests.helpers.tool_runs import import_tool
from tests.helpers.toy_imagenet import write_toy_imagenet


@pytest.fixture(scope='module')
def tool():
    environ = dict(os.environ)
    module = import_tool('analysis/representation_benchmark.py')
    os.environ.clear()
    os.environ.update(environ)  # the tool's OpenMP setting stays out of later subprocesses
    return module


@pytest.mark.parametrize('device', ['cpu', 'cuda'])
def test_every_pretraining_model_trains(tool, device):
    """The models of both presets (the GPU one too, here on the CPU) give a loss to train."""
    preset = tool.PRESETS[device]
    size = preset['crop_size']
    for method in ('saim', 'saim_raster', 'saim_light', 'igpt', 'mae'):  # random: saim's init
        model = MODELS.build(tool.pretraining_model(method, preset))
        data = model.data_preprocessor(dict(inputs=torch.rand(1, 3, size, size) * 255,
                                            data_samples=None), True)
        loss = model.loss(data['inputs'], None)['loss']
        assert torch.isfinite(loss) and loss.requires_grad, method


def test_results_recorded_and_reruns_skip(tool, tmp_path, monkeypatch):
    data = write_toy_imagenet(tmp_path / 'toy')
    work = tmp_path / 'work'
    base = ['--device', 'cpu', '--data-root', str(data), '--work-dir', str(work),
            '--epochs', '1', '--finetune-epochs', '1']
    results = tool.main(base + ['--methods', 'saim', 'random', '--evaluations', 'knn', 'linear'])
    with open(work / 'results.json') as f:
        assert json.load(f) == results
    for method in ('saim', 'random'):
        record = results['methods'][method]
        assert osp.isfile(record['pretrain']['checkpoint'])
        for evaluation in ('knn', 'linear'):
            assert set(record[evaluation]) >= {'cls', 'patch_mean', 'seconds', 'hardware'}
            assert 0 <= record[evaluation]['cls'] <= 100
        assert 'finetune' not in record
    assert results['methods']['saim']['pretrain']['iters'] == 1
    table = (work / 'results.md').read_text()
    assert '| SAIM, stochastic order' in table and '| random init' in table

    def refuse(name):
        def call(*args, **kwargs):
            raise AssertionError(f'{name} ran again')
        return call

    monkeypatch.setattr(tool.Benchmark, 'pretrain', refuse('pretrain'))
    monkeypatch.setattr(tool.Benchmark, 'evaluate_frozen', refuse('evaluate_frozen'))
    assert tool.main(base + ['--methods', 'saim', 'random', '--evaluations', 'knn',
                             'linear']) == results

    # A new evaluation runs alone on the published encoder; a method whose checkpoint is gone
    # is pretrained again before it.
    calls = []
    os.remove(results['methods']['random']['pretrain']['checkpoint'])
    monkeypatch.undo()
    monkeypatch.setattr(tool.Benchmark, 'evaluate_frozen', refuse('evaluate_frozen'))
    pretrain = tool.Benchmark.pretrain
    monkeypatch.setattr(tool.Benchmark, 'pretrain',
                        lambda self, method: calls.append(method) or pretrain(self, method))
    again = tool.main(base + ['--methods', 'saim', 'random', '--evaluations', 'knn', 'linear',
                              'finetune'])
    assert calls == ['random']
    for method in ('saim', 'random'):
        assert 0 <= again['methods'][method]['finetune']['top1'] <= 100
        assert again['methods'][method]['knn'] == results['methods'][method]['knn']

    with pytest.raises(SystemExit, match='other settings'):
        tool.main(base[:-4] + ['--epochs', '2', '--finetune-epochs', '1', '--methods', 'saim'])


def test_stopped_pretraining_continues_bit_for_bit(tool, tmp_path):
    data = write_toy_imagenet(tmp_path / 'toy')
    common = ['--device', 'cpu', '--data-root', str(data), '--epochs', '3', '--methods', 'saim',
              '--evaluations', 'knn']
    whole = tool.main(common + ['--work-dir', str(tmp_path / 'whole')])['methods']['saim']
    parts = common + ['--work-dir', str(tmp_path / 'parts')]
    for epochs_done in (1, 2):  # --stop-after 0: one more epoch per run, then stop
        stopped = tool.main(parts + ['--stop-after', '0'])['methods']['saim']
        assert 'pretrain' not in stopped
        state = torch.load(tmp_path / 'parts' / 'pretrain_state' / 'saim.pth',
                           weights_only=False)
        assert state['epochs_done'] == epochs_done
    resumed = tool.main(parts)['methods']['saim']
    assert not osp.exists(tmp_path / 'parts' / 'pretrain_state' / 'saim.pth')
    # The same weights, so the same published file name (its hash) and the same k-NN.
    assert osp.basename(resumed['pretrain']['checkpoint']) == osp.basename(
        whole['pretrain']['checkpoint'])
    assert resumed['pretrain']['losses'][-1][0] == whole['pretrain']['losses'][-1][0] == 3
    assert resumed['knn'] == {**whole['knn'], 'seconds': resumed['knn']['seconds']}
