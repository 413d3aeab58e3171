"""Each fix in mmsaim.compat, exercised the way the stack trips over it."""
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from packaging.specifiers import SpecifierSet

import mmsaim  # noqa: F401  (applies the fixes)
from mmsaim import compat


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
    compat.restore_in1d()
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


def test_applied_twice_changes_nothing():
    from mmengine.dist import utils as dist_utils
    from mmengine.model import MMDistributedDataParallel
    compat.apply_all()
    compat.apply_all()
    for fn in (dist_utils._init_dist_pytorch, dist_utils._init_dist_slurm,
               MMDistributedDataParallel.__init__):
        assert fn._mmsaim_cpu_capable and not hasattr(fn.__wrapped__, '_mmsaim_cpu_capable')
    assert sum(isinstance(f, compat._MultimodalGuard) for f in sys.meta_path) <= 1


def test_fix_applies_only_to_the_versions_it_targets(monkeypatch):
    applied = []
    fixes = (compat.Fix('now', 'mmengine', SpecifierSet('>=0.10,<0.11'), lambda: applied.append(1)),
             compat.Fix('old', 'mmengine', SpecifierSet('<0.8'), lambda: applied.append(2)),
             compat.Fix('absent', 'no-such-package', SpecifierSet(), lambda: applied.append(3)))
    monkeypatch.setattr(compat, 'FIXES', fixes)
    assert compat.apply_all() == ['now'] and applied == [1]
    monkeypatch.setenv('MMSAIM_NO_COMPAT', '1')
    assert compat.apply_all() == [] and applied == [1]


def test_switched_off_by_environment():
    probe = ("import mmsaim; from mmengine.dist import utils; "
             "print(hasattr(utils._init_dist_pytorch, '_mmsaim_cpu_capable'))")
    outputs = [subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                              timeout=300, env=dict(os.environ, MMSAIM_NO_COMPAT=flag)).stdout
               for flag in ('1', '0')]
    assert [o.strip().splitlines()[-1] for o in outputs] == ['False', 'True']
