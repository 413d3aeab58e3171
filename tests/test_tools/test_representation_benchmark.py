"""tools/analysis/representation_benchmark.py on a toy folder under the CPU preset, with short
pretraining and fine-tuning: every stage runs as the tools/train.py or tools/test.py command
the driver logs, and that command on its own repeats the run; results are recorded per
stage, reruns skip what is recorded, other settings are refused, and a stopped training run
resumes to the uninterrupted run's end. The tests add to one benchmark run (SAIM and MAE
pretrained and scored by k-NN), as a user adds rows and columns to a work dir."""
import json
import logging
import os
import os.path as osp
import subprocess

import pytest
import torch
from mmengine.logging import MMLogger

from mmsaim.fileio import read_checkpoint
from tests.helpers.tool_runs import ROOT, import_tool, tool_error
from tests.helpers.toy_imagenet import write_toy_imagenet

tool = import_tool('analysis/representation_benchmark.py')


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    """Enough train images for a pretraining batch of 128 and the linear probe's of 256."""
    data = write_toy_imagenet(tmp_path_factory.mktemp('benchmark') / 'toy', train_per_class=130,
                              val_per_class=8, size=(20, 20))
    return ['--data-root', str(data), '--epochs', '2', '--finetune-epochs', '1',
            '--probe-epochs', '3']


@pytest.fixture(autouse=True)
def in_repo_root(monkeypatch):
    """The driver names files relative to the current directory, as a user runs it."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope='module')
def benchmark_run(toy, tmp_path_factory):
    """The work dir and results of one run: SAIM and MAE pretrained, each scored by k-NN."""
    work = tmp_path_factory.mktemp('finished') / 'work'
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        results = tool.main(toy + ['--work-dir', str(work), '--methods', 'saim', 'mae',
                                   '--evaluations', 'knn'])
    return work, results


@pytest.fixture
def finished(benchmark_run):
    """``benchmark_run``, its driver logging at INFO again (the suite's ``quiet_mmengine``
    turns down the logger created last, which is the driver's)."""
    work, _ = benchmark_run
    MMLogger.get_instance(f'representation_benchmark {work}').setLevel(logging.INFO)
    return benchmark_run


def with_calls(monkeypatch, calls):
    """Record the rows the driver pretrains (or publishes) and the evaluations it runs."""
    pretrain, evaluate = tool.Benchmark.pretrain, tool.Benchmark.evaluate
    monkeypatch.setattr(tool.Benchmark, 'pretrain',
                        lambda self, method: calls.append(method) or pretrain(self, method))
    monkeypatch.setattr(
        tool.Benchmark, 'evaluate',
        lambda self, method, evaluation, checkpoint: calls.append(evaluation) or evaluate(
            self, method, evaluation, checkpoint))


def refuse(name):
    def call(*args, **kwargs):
        raise AssertionError(f'{name} ran again')
    return call


def logged_commands(work_dir) -> list:
    """The commands the driver logged in ``work_dir``, in order."""
    with open(osp.join(work_dir, 'representation_benchmark.log')) as f:
        return [line.split('running: ', 1)[1].strip() for line in f if 'running: ' in line]


@pytest.mark.slow
def test_results_recorded_and_reruns_skip(finished, toy, monkeypatch):
    work, results = finished
    with open(work / 'results.json') as f:
        assert json.load(f) == results
    for method in ('saim', 'mae'):
        record = results['methods'][method]
        assert osp.isfile(record['pretrain']['checkpoint'])
        assert osp.samefile(work / 'checkpoints' / f'{method}.pth',
                            record['pretrain']['checkpoint'])  # the fixed name links to it
        assert set(record['knn']) >= {'cls', 'patch_mean', 'seconds', 'hardware'}
        assert record['knn']['patch_mean'] == 100  # reddish vs bluish: the colour separates
        assert 'linear' not in record
    saim = results['methods']['saim']['pretrain']
    assert saim['iters'] == 2 * 2 and saim['losses'][-1][0] == 4  # 260 images, batch 128
    assert osp.isfile(work / 'saim' / 'pretrain_saim' / 'epoch_2.pth')  # tools/train.py's
    table = (work / 'results.md').read_text()
    assert '| SAIM, stochastic order' in table and '| MAE' in table
    assert 'k-NN: k = 20, T = 0.07' in table
    assert [command.split()[1] for command in logged_commands(work)] == [
        'tools/train.py', 'tools/test.py'] * 2

    monkeypatch.setattr(tool.Benchmark, 'pretrain', refuse('pretrain'))
    monkeypatch.setattr(tool.Benchmark, 'evaluate', refuse('evaluate'))
    assert tool.main(toy + ['--work-dir', str(work), '--methods', 'saim', 'mae',
                            '--evaluations', 'knn']) == results


@pytest.mark.slow
def test_new_evaluations_join_finished_rows(finished, toy, monkeypatch):
    """The any-order loss and the linear and attentive probes are added to
    rows pretrained earlier, without pretraining again; the any-order loss only to rows
    whose model is SAIM's (not MAE's). A row whose published checkpoint is gone is
    published again first."""
    work, first = finished
    os.remove(first['methods']['saim']['pretrain']['checkpoint'])
    calls = []
    with_calls(monkeypatch, calls)
    runs = [['--methods', 'saim', 'mae', '--evaluations', 'knn', 'any_order'],
            ['--methods', 'mae', '--evaluations', 'knn', 'linear', 'attentive']]
    for run in runs:
        results = tool.main(toy + ['--work-dir', str(work), *run])
    assert calls == ['saim', 'any_order', 'linear', 'attentive']
    methods = results['methods']
    for method in ('saim', 'mae'):
        assert methods[method]['pretrain'] == first['methods'][method]['pretrain']
        assert methods[method]['knn'] == first['methods'][method]['knn']
    assert osp.isfile(methods['saim']['pretrain']['checkpoint'])  # the same file again
    linear = methods['mae']['linear']  # the colour separates
    assert linear['cls'] == linear['patch_mean'] == methods['mae']['attentive']['patches'] == 100
    assert osp.isfile(work / 'mae' / 'eval_linear-cls' / 'epoch_3.pth')  # --probe-epochs
    assert 'any_order' not in methods['mae']
    any_order = methods['saim']['any_order']
    steps = any_order['stochastic_steps']
    assert len(steps) == 16  # 32 px crops of 8x8 patches
    assert sum(steps) / 16 == pytest.approx(any_order['stochastic'])
    assert all(0 < any_order[order] < 10 for order in ('raster', 'stochastic', 'center-out'))
    assert (work / 'saim' / 'eval_any-order_center-out').is_dir()
    any_order_tests = [c for c in logged_commands(work) if 'model.order=' in c]
    assert [c.split()[2] for c in any_order_tests] == [
        'configs/saim/benchmarks/imagenette/pretrain_saim.py'] * 3  # the row's own config
    table = (work / 'results.md').read_text()
    assert '| attentive probe (patch tokens) |' in table
    assert 'Any-order prediction' in table

    monkeypatch.setattr(tool.Benchmark, 'pretrain', refuse('pretrain'))
    monkeypatch.setattr(tool.Benchmark, 'evaluate', refuse('evaluate'))
    for run in runs:
        assert tool.main(toy + ['--work-dir', str(work), *run]) == results


@pytest.mark.slow
def test_stopped_pretraining_resumes_bit_for_bit(finished, toy, tmp_path):
    _, whole = finished
    parts = toy + ['--work-dir', str(tmp_path / 'parts'), '--methods', 'saim',
                   '--evaluations', 'knn']
    stopped = tool.main(parts + ['--stop-after', '0'])['methods']['saim']  # after one epoch
    assert 'pretrain' not in stopped
    assert (tmp_path / 'parts' / 'saim' / 'pretrain_saim' / 'epoch_1.pth').is_file()
    resumed = tool.main(parts)['methods']['saim']
    # The same weights, so the same published file name (its hash) and the same k-NN.
    saim = whole['methods']['saim']
    assert osp.basename(resumed['pretrain']['checkpoint']) == osp.basename(
        saim['pretrain']['checkpoint'])
    assert resumed['pretrain']['losses'] == saim['pretrain']['losses']
    assert resumed['knn'] == {**saim['knn'], 'seconds': resumed['knn']['seconds']}
    stopped_command, *_ = logged_commands(tmp_path / 'parts')
    assert stopped_command.endswith(
        'default_hooks.time_limit.type=TimeLimitHook default_hooks.time_limit.minutes=0')


@pytest.mark.slow
def test_fine_tune_and_refusals(toy, tmp_path):
    work = tmp_path / 'work'
    results = tool.main(toy + ['--work-dir', str(work), '--methods', 'random',
                               '--evaluations', 'finetune'])
    finetune = results['methods']['random']['finetune']
    assert finetune['top1'] > 75 and finetune['settings'] == '1 epochs, layer decay 0.75'
    (command, ) = logged_commands(work)
    checkpoint = results['methods']['random']['pretrain']['checkpoint']
    assert command.endswith(' train_cfg.max_epochs=1 train_cfg.val_interval=1 '
                            f'param_scheduler.0.warmup=0 model.backbone.init_cfg.checkpoint='
                            f'{checkpoint}')
    for args, message in (
        (toy + ['--epochs', '1'], 'other settings'),
        (toy[:2] + ['--data-root', str(tmp_path)], 'no meta/train.txt'),
        (['--preset', 'nonexistent'], "preset 'nonexistent': no such file"),
    ):
        assert message in tool_error('analysis/representation_benchmark.py', *args,
                                     '--work-dir', work, '--methods', 'random')


@pytest.mark.slow
def test_logged_commands_repeat_the_runs(finished, tmp_path):
    """Each logged command, run on its own by the shell, repeats its run: the pretraining
    its checkpoint bit for bit, the k-NN its metrics (after the first work dirs are moved
    aside). Last: it runs in the shared work dir."""
    work, results = finished
    record = results['methods']['saim']
    train, test = logged_commands(work)[:2]
    assert train.split()[1:3] == ['tools/train.py',
                                  'configs/saim/benchmarks/imagenette/pretrain_saim.py']
    assert test.split()[1:4] == ['tools/test.py',
                                 'configs/saim/benchmarks/imagenette/eval_knn.py',
                                 record['pretrain']['checkpoint']]
    first = {}
    for name in ('pretrain_saim', 'eval_knn'):
        first[name] = tmp_path / f'first_{name}'
        os.rename(work / 'saim' / name, first[name])
    for command in (train, test):
        subprocess.run(command, shell=True, check=True)
    weights = [read_checkpoint(str(folder / 'epoch_2.pth'))['state_dict']
               for folder in (first['pretrain_saim'], work / 'saim' / 'pretrain_saim')]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][key], weights[1][key]) for key in weights[0])
    metrics = json.loads((work / 'saim' / 'eval_knn' / 'metrics.json').read_text())
    assert (metrics['knn/cls'], metrics['knn/patch_mean']) == (record['knn']['cls'],
                                                               record['knn']['patch_mean'])
