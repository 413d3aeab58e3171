"""What ``import mmsaim`` changes outside mmsaim, besides registering its modules.

One change, made only for the versions that need it (``MMSAIM_NO_COMPAT=1`` turns it off):

- ``checkpoint_loader`` (mmengine 0.10 with torch >= 2.6): mmengine's loader of local
  checkpoint files calls ``torch.load`` without ``weights_only``, which torch 2.6 turned on
  by default, and torch's own allowlist refuses mmengine's ``HistoryBuffer`` and NumPy
  values: no checkpoint that a Runner writes loads through ``get_model(pretrained=...)``,
  the inferencers, ``load_from`` or a ``Pretrained`` init cfg. mmengine reads local files
  with :func:`mmsaim.runner.load_checkpoint_file` instead, which reads them as plain data.

Everything else the stack needs is done where it is used: CPU process groups and DDP by
:class:`mmsaim.runner.SafeRunner` (the configs' ``runner_type``), nothing by patching.
"""
import importlib.metadata
import os
from typing import Callable, Dict, List, NamedTuple

from packaging.specifiers import SpecifierSet
from packaging.version import Version


class Fix(NamedTuple):
    """A change outside mmsaim, applied only where every package in ``targets`` is
    installed at the given versions."""
    name: str
    targets: Dict[str, SpecifierSet]
    apply: Callable[[], None]

    def targets_installed(self) -> bool:
        for package, versions in self.targets.items():
            try:
                installed = Version(importlib.metadata.version(package))
            except importlib.metadata.PackageNotFoundError:
                return False
            # A local build such as 2.14.1+cu130 is the release it was built from.
            if Version(installed.base_version) not in versions:
                return False
        return True


def read_local_checkpoints_as_plain_data() -> None:
    """Make mmengine read local checkpoint files with :func:`load_checkpoint_file`."""
    from mmengine.runner.checkpoint import CheckpointLoader

    from .runner import load_checkpoint_file
    CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_file, force=True)


FIXES = (
    Fix('checkpoint_loader',
        dict(mmengine=SpecifierSet('>=0.10,<0.11'), torch=SpecifierSet('>=2.6')),
        read_local_checkpoints_as_plain_data),
)


FIX_NAMES = tuple(fix.name for fix in FIXES)


def compat_disabled() -> bool:
    """Whether ``MMSAIM_NO_COMPAT=1`` switches the fixes off."""
    return os.environ.get('MMSAIM_NO_COMPAT', '0') == '1'


def apply_all() -> List[str]:
    """Apply every fix that targets the installed stack; returns the names of those applied."""
    if compat_disabled():
        return []
    applied = []
    for fix in FIXES:
        if fix.targets_installed():
            fix.apply()
            applied.append(fix.name)
    return applied
