"""Running a stage of the benchmark: the one ``tools/train.py`` or ``tools/test.py`` command
that does it (built, logged, run as a child process) and what it leaves in its work dir.

A command names files relative to the current directory where they lie inside it, and
``python`` when that is the interpreter running the benchmark, so that the logged line,
run on its own from the same directory, repeats the stage.
"""
import glob
import json
import os
import os.path as osp
import shlex
import shutil
import subprocess
import sys
from typing import Callable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from mmsaim.fileio import checkpoint_step, find_resumable_checkpoint
from mmsaim.paths import PROJECT_FILES

TOOLS = osp.join(PROJECT_FILES, 'tools')
# The sections of a config that hold datasets and models.
SECTIONS = ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader')
LOG_INTERVAL = 50  # iterations per mean loss in the recorded loss curve


def shown_path(path: str) -> str:
    """``path`` relative to the current directory when it lies inside it, else absolute."""
    path = osp.abspath(path)
    relative = osp.relpath(path)
    return path if relative == '..' or relative.startswith('..' + os.sep) else relative


def python() -> str:
    """``python`` when that is this interpreter, else this interpreter's path."""
    found = shutil.which('python')
    return 'python' if found and osp.samefile(found, sys.executable) else sys.executable


class Command(NamedTuple):
    """A run of ``tools/train.py`` (always with ``--resume``: it starts, or continues from
    the newest checkpoint of its work dir) or ``tools/test.py`` (of ``checkpoint``, the
    metrics written to ``out``).

    Args:
        tool (str): ``'train.py'`` or ``'test.py'``.
        config (str): the config file.
        work_dir (str): the run's work dir.
        cfg_options (Sequence[str]): ``key=value`` strings for ``--cfg-options``.
        checkpoint (str, optional): the checkpoint to test.
        out (str, optional): the metrics file of a test.
    """
    tool: str
    config: str
    work_dir: str
    cfg_options: Sequence[str] = ()
    checkpoint: Optional[str] = None
    out: Optional[str] = None

    def argv(self) -> List[str]:
        """The command line, as it is logged and run."""
        args = [python(), shown_path(osp.join(TOOLS, self.tool)), shown_path(self.config)]
        if self.checkpoint:
            args.append(shown_path(self.checkpoint))
        args += ['--work-dir', shown_path(self.work_dir)]
        if self.tool == 'train.py':
            args.append('--resume')
        if self.out:
            args += ['--out', shown_path(self.out)]
        if self.cfg_options:
            args += ['--cfg-options', *self.cfg_options]
        return args

    def __str__(self) -> str:
        return shlex.join(self.argv())


def run_command(command: Command, logger) -> None:
    """Log ``command`` and run it, its output going where this process's goes.

    Raises:
        ChildProcessError: the command failed (its own output says why).
    """
    logger.info(f'running: {command}')
    status = subprocess.run(command.argv()).returncode
    if status != 0:
        raise ChildProcessError(f'{command} exited with status {status}; its output above '
                                'says why')


def matching_sections(cfg, match: Callable[[dict], bool]) -> Iterator[Tuple[str, dict]]:
    """``(dotted key, dict)`` of the dicts in the model and dataloaders of ``cfg`` for
    which ``match`` holds."""

    def visit(node, path):
        if isinstance(node, dict):
            if match(node):
                yield path, node
            for key, value in node.items():
                yield from visit(value, f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                yield from visit(value, f'{path}.{i}')

    for section in SECTIONS:
        yield from visit(cfg.get(section), section)


def data_options(cfg, data_root: str, num_classes: int) -> List[str]:
    """``--cfg-options`` that read every ``ImageTensorDataset`` of ``cfg`` from
    ``data_root`` and give every classifier ``num_classes``, where ``cfg`` holds others."""
    options = []
    for key, dataset in matching_sections(cfg, lambda d: d.get('type') == 'ImageTensorDataset'):
        if osp.abspath(dataset.data_root) != osp.abspath(data_root):
            options.append(f'{key}.data_root={shown_path(data_root)}')
    other_classes = matching_sections(
        cfg, lambda d: d.get('num_classes', num_classes) != num_classes)
    return options + [f'{key}.num_classes={num_classes}' for key, _ in other_classes]


def checkpoint_options(cfg, checkpoint: str) -> List[str]:
    """``--cfg-options`` that give ``checkpoint`` to every ``Pretrained`` init of ``cfg``
    that names none (the encoder a training evaluation starts from)."""
    empty = matching_sections(cfg, lambda d: d.get('type') == 'Pretrained'
                              and not d.get('checkpoint'))
    return [f'{key}.checkpoint={shown_path(checkpoint)}' for key, _ in empty]


def seed_options(cfg, seed: int) -> List[str]:
    """``--cfg-options`` that seed ``cfg``'s run with ``seed``, if it has another seed."""
    return [] if cfg.randomness.seed == seed else [f'randomness.seed={seed}']


def length_options(cfg, epochs: int) -> List[str]:
    """``--cfg-options`` that train ``cfg`` for ``epochs`` epochs: validated at the end
    (where it validates), each warm-up cut to at most a tenth of the run."""
    options = [f'train_cfg.max_epochs={epochs}']
    if 'val_interval' in cfg.train_cfg:
        options.append(f'train_cfg.val_interval={epochs}')
    for i, scheduler in enumerate(cfg.param_scheduler):
        if 'warmup' in scheduler:
            options.append(f'param_scheduler.{i}.warmup={min(scheduler.warmup, epochs // 10)}')
    return options


def time_limit_options(minutes: float) -> List[str]:
    """``--cfg-options`` that end training at the first epoch boundary past ``minutes``,
    with a checkpoint (``TimeLimitHook``)."""
    return ['default_hooks.time_limit.type=TimeLimitHook',
            f'default_hooks.time_limit.minutes={round(minutes, 2):g}']


def trained_checkpoint(work_dir: str) -> Optional[str]:
    """The newest complete checkpoint of a training run's work dir (None: none yet)."""
    return find_resumable_checkpoint(work_dir) if osp.isdir(work_dir) else None


def trained_epochs(checkpoint: Optional[str]) -> int:
    """The epochs done when ``checkpoint`` (``epoch_N.pth`` or None) was saved."""
    return checkpoint_step(checkpoint) if checkpoint else 0


def logged_val_metrics(work_dir: str, epoch: int, names: Sequence[str]) -> Optional[dict]:
    """The val metrics ``names`` that a training run logged after ``epoch`` (the newest
    such entry of the runs' ``vis_data/scalars.json`` in ``work_dir``), None if none did."""
    for scalars in sorted(glob.glob(osp.join(glob.escape(work_dir), '*', 'vis_data',
                                             'scalars.json')), reverse=True):
        with open(scalars) as f:
            entries = [json.loads(line) for line in f if line.strip()]
        for entry in reversed(entries):
            if entry.get('step') == epoch and all(name in entry for name in names):
                return {name: entry[name] for name in names}
    return None


def test_metrics(out_file: str) -> dict:
    """The metrics a ``tools/test.py --out`` run wrote."""
    with open(out_file) as f:
        return json.load(f)


def loss_curve(losses) -> list:
    """The mean loss of every ``LOG_INTERVAL`` iterations (the last interval may be
    shorter) as ``[iterations done, loss]`` pairs."""
    curve = []
    for start in range(0, len(losses), LOG_INTERVAL):
        interval = losses[start:start + LOG_INTERVAL]
        curve.append([start + len(interval), float(interval.mean())])
    return curve


def training_record(checkpoint: dict, batch_size: int) -> dict:
    """The iterations, seconds, loss curve and speed of a training run, from the message
    hub of its last checkpoint (which holds every iteration's loss and time)."""
    scalars = checkpoint['message_hub']['log_scalars']
    losses = scalars['train/loss'].data[0]
    seconds = float(scalars['train/time'].data[0].sum())
    return dict(iters=len(losses), seconds=seconds, losses=loss_curve(losses),
                samples_per_second=len(losses) * batch_size / seconds)

