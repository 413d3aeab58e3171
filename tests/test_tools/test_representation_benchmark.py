"""tools/analysis/representation_benchmark.py on a toy folder under the CPU preset, with short
pretraining and fine-tuning: every stage runs as the tools/train.py or tools/test.py command
the driver logs, and that command on its own repeats the run; results are recorded per
stage, reruns skip what is recorded, other settings are refused, and a stopped training run
resumes to the uninterrupted run's end."""
import json
import os
import os.path as osp
import subprocess

import pytest
import torch

from mmsaim.fileio import read_checkpoint
from tests.helpers.tool_runs import ROOT, import_tool, tool_error
from tests.helpers.toy_imagenet import write_toy_imagenet

tool = import_tool('analysis/representation_benchmark.py')


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    """Enough train images for a pretraining batch of 128 and the linear probe's of 256."""
    data = write_toy_imagenet(tmp_path_factory.mktemp('benchmark') / 'toy', train_per_class=130,
                              val_per_class=8, size=(20, 20))
    return ['--data-root', str(data), '--epochs', '2', '--finetune-epochs', '1']


@pytest.fixture(autouse=True)
def in_repo_root(monkeypatch):
    """The driver names files relative to the current directory, as a user runs it."""
    monkeypatch.chdir(ROOT)


def refuse(name):
    def call(*args, **kwargs):
        raise AssertionError(f'{name} ran again')
    return call


def logged_commands(work_dir) -> list:
    """The commands the driver logged in ``work_dir``, in order."""
    with open(osp.join(work_dir, 'representation_benchmark.log')) as f:
        return [line.split('running: ', 1)[1].strip() for line in f if 'running: ' in line]


@pytest.mark.slow
def test_results_recorded_and_reruns_skip(toy, tmp_path, monkeypatch):
    work = tmp_path / 'work'
    base = toy + ['--work-dir', str(work)]
    results = tool.main(base + ['--methods', 'saim', 'random', '--evaluations', 'knn'])
    with open(work / 'results.json') as f:
        assert json.load(f) == results
    for method in ('saim', 'random'):
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
    assert results['methods']['random']['pretrain']['epochs'] == 0
    table = (work / 'results.md').read_text()
    assert '| SAIM, stochastic order' in table and '| random init' in table
    assert 'k-NN: k = 20, T = 0.07' in table
    assert [command.split()[1] for command in logged_commands(work)] == [
        'tools/train.py', 'tools/test.py', 'tools/test.py']

    monkeypatch.setattr(tool.Benchmark, 'pretrain', refuse('pretrain'))
    monkeypatch.setattr(tool.Benchmark, 'evaluate', refuse('evaluate'))
    assert tool.main(base + ['--methods', 'saim', 'random', '--evaluations', 'knn']) == results

    # A new evaluation runs alone on a finished row; a row whose published checkpoint is
    # gone is published again first.
    calls = []
    os.remove(results['methods']['random']['pretrain']['checkpoint'])
    monkeypatch.undo()
    pretrain, evaluate = tool.Benchmark.pretrain, tool.Benchmark.evaluate
    monkeypatch.setattr(tool.Benchmark, 'pretrain',
                        lambda self, method: calls.append(method) or pretrain(self, method))
    monkeypatch.setattr(
        tool.Benchmark, 'evaluate',
        lambda self, method, evaluation, checkpoint: calls.append(evaluation) or evaluate(
            self, method, evaluation, checkpoint))
    again = tool.main(base + ['--methods', 'random', '--evaluations', 'knn', 'linear'])
    assert calls == ['random', 'linear']
    linear = again['methods']['random']['linear']
    assert linear['cls'] == linear['patch_mean'] == 100
    assert osp.isfile(work / 'random' / 'eval_linear-cls' / 'epoch_90.pth')
    assert again['methods']['random']['knn'] == results['methods']['random']['knn']
    assert again['methods']['saim'] == results['methods']['saim']


@pytest.mark.slow
def test_logged_commands_repeat_the_runs(toy, tmp_path):
    """Each logged command, run on its own by the shell, repeats its run: the pretraining
    its checkpoint bit for bit, the k-NN its metrics (after the first work dirs are moved
    aside)."""
    work = tmp_path / 'work'
    record = tool.main(toy + ['--work-dir', str(work), '--methods', 'saim', '--evaluations',
                              'knn'])['methods']['saim']
    train, test = logged_commands(work)
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
def test_stopped_pretraining_resumes_bit_for_bit(toy, tmp_path):
    common = toy + ['--epochs', '3', '--methods', 'saim', '--evaluations', 'knn']
    whole = tool.main(common + ['--work-dir', str(tmp_path / 'whole')])['methods']['saim']
    parts = common + ['--work-dir', str(tmp_path / 'parts')]
    for epochs_done in (1, 2):  # --stop-after 0: one more epoch per run, then stop
        stopped = tool.main(parts + ['--stop-after', '0'])['methods']['saim']
        assert 'pretrain' not in stopped
        assert (tmp_path / 'parts' / 'saim' / 'pretrain_saim' / f'epoch_{epochs_done}.pth'
                ).is_file()
    resumed = tool.main(parts)['methods']['saim']
    # The same weights, so the same published file name (its hash) and the same k-NN.
    assert osp.basename(resumed['pretrain']['checkpoint']) == osp.basename(
        whole['pretrain']['checkpoint'])
    assert resumed['pretrain']['losses'] == whole['pretrain']['losses']
    assert resumed['knn'] == {**whole['knn'], 'seconds': resumed['knn']['seconds']}
    stopped_command, *_ = logged_commands(tmp_path / 'parts')
    assert stopped_command.endswith(
        'default_hooks.time_limit.type=TimeLimitHook default_hooks.time_limit.minutes=0')


@pytest.mark.slow
def test_new_evaluations_join_finished_rows(toy, tmp_path, monkeypatch):
    """The attentive probe, the k-NN of every block and the any-order loss are added to
    rows pretrained earlier, without pretraining again; the any-order loss only to rows
    whose model is SAIM's (ViT-iGPT, not MAE)."""
    base = toy + ['--work-dir', str(tmp_path / 'work'), '--methods', 'igpt', 'mae']
    first = tool.main(base + ['--evaluations', 'knn'])['methods']
    monkeypatch.setattr(tool.Benchmark, 'pretrain', refuse('pretrain'))
    new = ['attentive', 'knn_blocks', 'any_order']
    results = tool.main(base + ['--evaluations', 'knn', *new])
    methods = results['methods']
    for method in ('igpt', 'mae'):
        assert methods[method]['pretrain'] == first[method]['pretrain']
        assert methods[method]['knn'] == first[method]['knn']
        assert methods[method]['attentive']['patches'] == 100  # the colour separates
        blocks = methods[method]['knn_blocks']['patch_mean']
        assert len(blocks) == 6 and all(0 <= b <= 100 for b in blocks)
    assert 'any_order' not in methods['mae']
    any_order = methods['igpt']['any_order']
    steps = any_order['stochastic_steps']
    assert len(steps) == 16  # 32 px crops of 8x8 patches
    assert sum(steps) / 16 == pytest.approx(any_order['stochastic'])
    assert all(0 < any_order[order] < 10 for order in ('raster', 'stochastic', 'center-out'))
    assert (tmp_path / 'work' / 'igpt' / 'eval_any-order_center-out').is_dir()
    any_order_tests = [c for c in logged_commands(tmp_path / 'work') if 'model.order=' in c]
    assert [c.split()[2] for c in any_order_tests] == [
        'configs/saim/benchmarks/imagenette/pretrain_vit-igpt.py'] * 3  # the row's own config
    table = (tmp_path / 'work' / 'results.md').read_text()
    assert '| attentive probe (patch tokens) |' in table
    assert 'Any-order prediction' in table and '| block 1 | block 2 | block 3 |' in table

    monkeypatch.setattr(tool.Benchmark, 'evaluate', refuse('evaluate'))
    assert tool.main(base + ['--evaluations', 'knn', *new]) == results
