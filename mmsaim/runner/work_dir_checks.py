"""What a run may write where: never over its config, never over another run's checkpoints."""
import os.path as osp
from typing import Optional

from ..fileio import CheckpointError, checkpoint_files


class WorkDirInUseError(CheckpointError):
    """Training would write over the checkpoints of an earlier run, or over its config."""


def _same_folder(a: str, b: str) -> bool:
    return osp.isdir(a) and osp.isdir(b) and osp.samefile(a, b)


def check_config_outside(work_dir: str, config: Optional[str]) -> None:
    """The Runner writes its config into the work dir under the config's own name: refuse
    a work dir that is the config's folder, where that would replace the config file."""
    if config and _same_folder(work_dir, osp.dirname(osp.abspath(config))):
        raise WorkDirInUseError(
            f'--work-dir {work_dir} is the folder of the config {config}, which the run '
            'would overwrite with its dumped config; give a work dir of its own, e.g. '
            f'work_dirs/{osp.splitext(osp.basename(config))[0]}')


def check_training_work_dir(work_dir: str, resume: bool, load_from: Optional[str]) -> None:
    """Refuse training that would write over the checkpoints of an earlier run in
    ``work_dir``: without ``resume``, or resuming from a checkpoint of another folder (the
    run resumed would save its next epochs under the names of the earlier run's)."""
    earlier = checkpoint_files(work_dir) if osp.isdir(work_dir) else []
    if not earlier and not (osp.isfile(osp.join(work_dir, 'last_checkpoint')) and not resume):
        return
    shown = ', '.join(osp.basename(p) for p in earlier[:3]) or 'last_checkpoint'
    shown += ', ...' if len(earlier) > 3 else ''
    if not resume:
        raise WorkDirInUseError(
            f'{work_dir} holds the checkpoints of an earlier run ({shown}), which training '
            'would write over; continue that run with --resume, or train into a fresh '
            '--work-dir.')
    if load_from is not None and not _same_folder(osp.dirname(osp.abspath(load_from)),
                                                  work_dir):
        raise WorkDirInUseError(
            f'--resume {load_from} into {work_dir}, which holds the checkpoints of another '
            f'run ({shown}) that this one would write over; resume into the work dir of '
            f'{load_from} ({osp.dirname(load_from) or "."}) or into a fresh --work-dir.')
