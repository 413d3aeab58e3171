"""Each fix in mmsaim.utils.compat, exercised the way the stack trips over it."""
import os
import pickle
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

import mmsaim  # noqa: F401  (applies the fixes)
from mmsaim.utils import compat


class _Regression(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, targets, mode='loss'):
        return dict(loss=((self.linear(inputs) - targets)**2).mean())


class _Points(torch.utils.data.Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(2, generator=g), targets=torch.randn(1, generator=g))


def _runner(work_dir, max_epochs, **kwargs):
    return Runner(
        model=_Regression(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=_Points(), batch_size=4,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        **kwargs)


def test_resume_under_weights_only_default(tmp_path):
    _runner(tmp_path, max_epochs=1).train()
    ckpt = tmp_path / 'epoch_1.pth'
    # The trap: torch's default weights_only=True refuses mmengine's HistoryBuffer.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt)
    runner = _runner(tmp_path, max_epochs=2, resume=True, load_from=str(ckpt))
    runner.train()
    assert runner.epoch == 2
    resumed = _load_checkpoint(str(tmp_path / 'epoch_2.pth'))
    assert resumed['meta']['epoch'] == 2 and 'message_hub' in resumed


def test_weights_only_still_refuses_code(tmp_path):

    class Exploit:

        def __reduce__(self):
            return (os.system, ('echo pwned',))

    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': Exploit()}, path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        _load_checkpoint(str(path))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_data_parallel_on_cpus_with_the_pytorch_launcher(tmp_path):
    assert not torch.cuda.is_available(), 'this test checks the CPU-only path'
    script = tmp_path / 'ddp_step.py'
    script.write_text(textwrap.dedent("""
        import atexit, os, sys
        import torch, torch.distributed as dist
        import mmsaim  # noqa: F401
        from mmengine.dist import init_dist, get_rank
        from mmengine.model import MMDistributedDataParallel

        @atexit.register  # before init_dist, so it runs after the launcher's exit handler
        def report_teardown():
            with open(f"{sys.argv[1]}/rank{os.environ['RANK']}_torn_down.txt", 'w') as f:
                f.write(str(not dist.is_initialized()))

        init_dist('pytorch', backend='nccl')  # the configs' default
        rank = get_rank()
        # Wrapped exactly as mmengine's Runner wraps a model in a distributed run.
        model = MMDistributedDataParallel(
            module=torch.nn.Linear(2, 1), device_ids=[int(os.environ['LOCAL_RANK'])],
            broadcast_buffers=False)
        model(torch.full((1, 2), float(rank + 1))).sum().backward()
        with open(f'{sys.argv[1]}/rank{rank}.txt', 'w') as f:
            f.write(str(model.module.weight.grad.tolist()))
        del model  # DDP holds the process group; let the exit teardown free it
        """))
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
         '--master_port', str(free_port()), str(script), str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[:3000] + '\n...\n' + proc.stderr[-1500:]
    assert 'The nccl backend needs CUDA' in proc.stderr
    # d(w.x)/dw = x, averaged over the ranks' inputs [1, 1] and [2, 2].
    assert [(tmp_path / f'rank{r}.txt').read_text() for r in (0, 1)] == ['[[1.5, 1.5]]'] * 2
    # No process group is left for interpreter finalization, where gloo can abort (SIGABRT).
    assert [(tmp_path / f'rank{r}_torn_down.txt').read_text() for r in (0, 1)] == ['True'] * 2


def test_in1d_restored_for_mmpretrain_metrics(monkeypatch):
    from mmpretrain.evaluation.metrics import RetrievalRecall
    monkeypatch.delattr(np, 'in1d', raising=False)  # as on NumPy >= 2.4
    compat.check_numpy()
    pred = [np.array([0, 1, 2]), np.array([2, 1, 0])]
    target = [np.array([2]), np.array([3])]
    recall = RetrievalRecall.calculate(pred, target, topk=(1, 3), pred_indices=True,
                                       target_indices=True)
    assert [float(r) for r in recall] == [0.0, 50.0]


def test_numpy_outside_tested_range_warns(monkeypatch):
    monkeypatch.setattr(np, '__version__', '2.4.1')
    with pytest.warns(UserWarning, match='numpy<2.4'):
        compat.check_numpy()


def test_mmpretrain_imports_next_to_incompatible_transformers(tmp_path):
    """pycocotools + a transformers without mmpretrain's names broke `import mmpretrain`."""
    pkg = tmp_path / 'transformers'
    pkg.mkdir()
    (pkg / '__init__.py').write_text("__version__ = '9.0.0'\n")
    (pkg / 'modeling_utils.py').write_text('PreTrainedModel = object\n')
    dist_info = tmp_path / 'transformers-9.0.0.dist-info'
    dist_info.mkdir()
    (dist_info / 'METADATA').write_text('Metadata-Version: 2.1\nName: transformers\nVersion: 9.0.0\n')
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    probe = ("import mmpretrain; from mmpretrain.registry import MODELS; "
             "from mmpretrain.utils.dependency import WITH_MULTIMODAL; "
             "print('MULTIMODAL', WITH_MULTIMODAL, MODELS.get('Blip2Caption').__name__)")
    bare = subprocess.run([sys.executable, '-c', probe], env=env, capture_output=True,
                          text=True, timeout=300)
    assert bare.returncode != 0 and 'transformers' in bare.stderr  # the trap is real
    fixed = subprocess.run([sys.executable, '-c', 'import mmsaim; ' + probe], env=env,
                           capture_output=True, text=True, timeout=300)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert 'MULTIMODAL False ask_install' in fixed.stdout
