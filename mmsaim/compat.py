"""Fixes for the known traps of the tested stack (torch 2.14, mmengine 0.10.7, mmpretrain 1.2.0).

Each fix names the package and the versions it targets, and :func:`apply_all` (which ``import
mmsaim`` calls) applies it only when the installed version is one of them; nothing in
site-packages is edited. ``MMSAIM_NO_COMPAT=1`` in the environment turns every fix off. Each
fix is idempotent: applying it twice changes nothing.

- ``cpu_distributed`` (mmengine 0.10): on a machine without CUDA, mmengine's ``pytorch`` and
  ``slurm`` launchers call ``torch.cuda.set_device`` even for the gloo backend, the configs'
  default ``nccl`` backend cannot start, and the Runner wraps the model in DDP with
  ``device_ids=[LOCAL_RANK]``, which DDP refuses for a CPU module. The launchers skip the call
  and fall back to gloo (with a warning); DDP gets no device ids for a CPU module.
  Neither mmengine nor torch destroys the process group before the interpreter shuts down, and
  a gloo worker thread that still holds a tensor then aborts the process (SIGABRT) during
  finalization; the launchers now register an ``atexit`` teardown.
- ``numpy_in1d`` (NumPy >= 2.4): NumPy 2.4 removed ``np.in1d``, which mmpretrain's retrieval
  metrics call; the alias is restored. A NumPy outside the tested range is reported whatever
  the switch says.
- ``multimodal_guard`` (mmpretrain 1.2): with pycocotools installed, mmpretrain imports its
  multimodal models whenever ``transformers >= 4.28`` is present, and a transformers release
  that dropped names those models import makes ``import mmpretrain`` itself fail. The
  multimodal models are then switched off (with a warning) instead.

Checkpoint loading is not a compatibility fix and is not switched off here: see
:mod:`mmsaim.runner.checkpoint`.
"""
import atexit
import contextlib
import functools
import importlib
import importlib.abc
import importlib.metadata
import os
import sys
import warnings
from typing import Callable, NamedTuple

import numpy as np
import torch
from packaging.specifiers import SpecifierSet
from packaging.version import Version

TESTED_NUMPY = SpecifierSet('>=1.24,<2.4')


@contextlib.contextmanager
def _cuda_set_device_skipped():
    """Turn ``torch.cuda.set_device`` into a no-op while no CUDA device exists."""
    original = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        yield
    finally:
        torch.cuda.set_device = original


def _destroy_process_group_at_exit() -> None:
    """Tear the default process group down while the interpreter is still whole."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _cpu_capable(init_fn):
    if getattr(init_fn, '_mmsaim_cpu_capable', False):
        return init_fn

    @functools.wraps(init_fn)
    def wrapper(backend, *args, **kwargs):
        if torch.cuda.is_available():
            init_fn(backend, *args, **kwargs)
        else:
            if backend == 'nccl':
                warnings.warn(
                    'The nccl backend needs CUDA, which is not available; using gloo. Set '
                    '`env_cfg.dist_cfg.backend=gloo` in --cfg-options to say so.', stacklevel=2)
                backend = 'gloo'
            with _cuda_set_device_skipped():
                init_fn(backend, *args, **kwargs)
        atexit.register(_destroy_process_group_at_exit)

    wrapper._mmsaim_cpu_capable = True
    return wrapper


def _cpu_module_without_device_ids(ddp_init):
    if getattr(ddp_init, '_mmsaim_cpu_capable', False):
        return ddp_init

    @functools.wraps(ddp_init)
    def __init__(self, module, *args, **kwargs):
        if all(p.device.type == 'cpu' for p in module.parameters()):
            # The Runner passes device_ids=[LOCAL_RANK]; DDP accepts them for GPU modules only.
            kwargs['device_ids'] = None
            kwargs.pop('output_device', None)
        ddp_init(self, module, *args, **kwargs)

    __init__._mmsaim_cpu_capable = True
    return __init__


def allow_cpu_distributed() -> None:
    """Let ``--launcher pytorch|slurm`` train on CPUs with gloo and exit cleanly."""
    from mmengine.dist import utils as dist_utils
    from mmengine.model import MMDistributedDataParallel
    dist_utils._init_dist_pytorch = _cpu_capable(dist_utils._init_dist_pytorch)
    dist_utils._init_dist_slurm = _cpu_capable(dist_utils._init_dist_slurm)
    MMDistributedDataParallel.__init__ = _cpu_module_without_device_ids(
        MMDistributedDataParallel.__init__)


# Names that mmpretrain 1.2.0's multimodal models import from transformers at module level and
# that later transformers releases moved or removed.
_MULTIMODAL_TRANSFORMERS_NAMES = {
    'transformers.modeling_utils': (
        'GenerationConfig', 'GenerationMixin', 'PreTrainedModel', 'PretrainedConfig',
        'apply_chunking_to_forward', 'find_pruneable_heads_and_indices', 'prune_linear_layer'),
    'transformers.modeling_outputs': (
        'BaseModelOutputWithPastAndCrossAttentions', 'CausalLMOutputWithCrossAttentions',
        'Seq2SeqLMOutput'),
    'transformers.activations': ('ACT2FN', ),
}


def transformers_fits_mmpretrain() -> bool:
    """Whether the installed transformers provides what mmpretrain's multimodal models import."""
    try:
        for module_name, names in _MULTIMODAL_TRANSFORMERS_NAMES.items():
            module = importlib.import_module(module_name)
            for name in names:
                getattr(module, name)
    except Exception:  # ImportError, AttributeError, or transformers' own lazy-import errors
        return False
    return True


class _MultimodalGuard(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Runs ``mmpretrain.utils.dependency`` and then corrects its ``WITH_MULTIMODAL`` flag."""

    target = 'mmpretrain.utils.dependency'

    def find_spec(self, fullname, path, target=None):
        if fullname != self.target:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                self._loader = spec.loader
                spec.loader = self
                return spec
        return None

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        if module.WITH_MULTIMODAL and not transformers_fits_mmpretrain():
            module.WITH_MULTIMODAL = False
            warnings.warn(
                'The installed transformers lacks names that mmpretrain 1.2.0 multimodal '
                'models import; they are disabled so that mmpretrain imports. Install the '
                'transformers 4.x release those models were written for to use them.', stacklevel=2)


def guard_multimodal_import() -> None:
    """Install the guard before mmpretrain is imported (no effect once it has been)."""
    if 'mmpretrain.utils.dependency' in sys.modules:
        return
    if not any(isinstance(finder, _MultimodalGuard) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MultimodalGuard())


class Fix(NamedTuple):
    """A fix of the stack: ``apply`` runs only where ``package`` is installed at ``versions``."""
    name: str
    package: str
    versions: SpecifierSet
    apply: Callable[[], None]

    def targets_installed(self) -> bool:
        try:
            installed = importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            return False
        return Version(installed) in self.versions


def _in1d(ar1, ar2, assume_unique=False, invert=False, **kwargs):
    """``np.in1d`` as NumPy < 2.4 had it: ``np.isin`` on the flattened input."""
    return np.isin(np.ravel(ar1), ar2, assume_unique=assume_unique, invert=invert, **kwargs)


def restore_in1d() -> None:
    """Put ``np.in1d`` back where NumPy removed it."""
    if not hasattr(np, 'in1d'):
        np.in1d = _in1d


def check_numpy() -> None:
    """Warn when NumPy is outside the range mmsaim is tested with."""
    if Version(np.__version__) not in TESTED_NUMPY:
        warnings.warn(
            f'NumPy {np.__version__} is outside the range mmsaim is tested with '
            f'({TESTED_NUMPY}); parts of mmpretrain may break. Run `bash tools/install.sh` '
            'or `pip install "numpy<2.4"`.', stacklevel=2)


FIXES = (
    Fix('cpu_distributed', 'mmengine', SpecifierSet('>=0.10,<0.11'), allow_cpu_distributed),
    Fix('numpy_in1d', 'numpy', SpecifierSet('>=2.4'), restore_in1d),
    Fix('multimodal_guard', 'mmpretrain', SpecifierSet('>=1.2,<1.3'), guard_multimodal_import),
)


def compat_disabled() -> bool:
    """Whether ``MMSAIM_NO_COMPAT=1`` switches the fixes off."""
    return os.environ.get('MMSAIM_NO_COMPAT', '0') == '1'


def apply_all() -> list:
    """Apply every fix that targets the installed stack; returns the names of those applied.

    ``import mmsaim`` calls this before importing mmpretrain.
    """
    check_numpy()
    if compat_disabled():
        return []
    applied = []
    for fix in FIXES:
        if fix.targets_installed():
            fix.apply()
            applied.append(fix.name)
    return applied
