"""A training or test config as ``tools/train.py`` and ``tools/test.py`` hand it to the
Runner: command-line overrides checked, switches applied, the safe Runner selected."""
import difflib
import inspect
import os
import os.path as osp
from typing import Any, Iterator, Optional, Tuple

from mmengine.config import Config
from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.registry import LOOPS, RUNNERS
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop, Runner, TestLoop, ValLoop
from mmpretrain.datasets import CustomDataset

from ..engine.optimizers import cpu_supports_bf16
from .work_dir_checks import WorkDirInUseError, check_config_outside

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# The top-level config keys the Runner reads; other top-level names are the config file's
# own variables, already used when the file was read.
RUNNER_KEYS = (set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}) | {
    'runner_type', 'model_wrapper_cfg', 'custom_imports', 'default_scope', 'sync_bn',
    'find_unused_parameters', 'activation_checkpointing', 'efficient_conv_bn_eval', 'compile'
}
MISSING = object()
# The images mmpretrain's CustomDataset finds in a folder by default (its `extensions`).
FOLDER_EXTENSIONS = inspect.signature(CustomDataset.__init__).parameters['extensions'].default


class ConfigError(ValueError):
    """A config, or an override of it, that cannot work as given."""


def _leaves(node: Any, path: str = '') -> Iterator[Tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f'{path}.{key}' if path else key)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _leaves(value, f'{path}.{i}')
    else:
        yield path, node


def _lookup(cfg: Any, key: str) -> Any:
    node = cfg
    for part in key.split('.'):
        if isinstance(node, (dict, Config)) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return 'true or false'
    if isinstance(value, int):
        return 'an integer'
    if isinstance(value, float):
        return 'a number'
    return 'a section (dict)' if isinstance(value, dict) else ''


def _fits(old: Any, new: Any) -> bool:
    """Whether ``new`` can stand where the config has ``old``."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new)
    if isinstance(old, int):
        return isinstance(new, int)
    if isinstance(old, float):
        return isinstance(new, (int, float))
    if isinstance(old, dict):  # None turns a section off (``model.backbone.init_cfg=None``)
        return new is None or isinstance(new, dict)
    return True


def check_cfg_options(cfg: Config, options: dict, config_file: str) -> None:
    """Refuse ``--cfg-options`` that cannot do what they say.

    - An option that sets a variable of the config file (``img_size=128``) changes the
      top-level name after the file has been read, so nothing built from it changes; the
      error lists the settings that hold the variable's value, which are what to override.
    - A value of another kind than the config's (``train_cfg.max_epochs=abc`` where the
      config has an integer) would fail much later, in a message that does not name it.
    """
    for key, value in options.items():
        name = key.split('.')[0]
        if name not in RUNNER_KEYS and name in cfg:
            held, hint = cfg[name], ''
            if not isinstance(held, (dict, list)):
                runner_part = {k: v for k, v in cfg.items() if k in RUNNER_KEYS}
                users = [path for path, leaf in _leaves(runner_part)
                         if type(leaf) is type(held) and leaf == held]
                if users:
                    hint = (f'; the settings that hold its value {held!r} are '
                            f'{", ".join(users[:8])}')
            raise ConfigError(
                f'--cfg-options {key}={value}: `{name}` is a variable of {config_file} that '
                f'was used when the file was read, so changing it changes nothing{hint}. '
                'Override those settings instead (see "Change settings" in docs/pretraining.md).')
        old = _lookup(cfg, key)
        if old is not MISSING and not _fits(old, value):
            raise ConfigError(f'--cfg-options {key}={value}: the config has {old!r} there, so '
                              f'give {_kind(old)}')


def read_config(config: str) -> Config:
    """``Config.fromfile(config)``, with what can go wrong said in one line.

    Raises:
        FileNotFoundError: no such config file.
        ConfigError: the config needs an unset environment variable, or cannot be read (a
            syntax or name error in its code, bad YAML, a missing base): the error on one
            line.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'no config file {config}')
    try:
        return Config.fromfile(config)
    except KeyError as e:  # mmengine's error for an unset `{{$VAR:}}`
        raise ConfigError(f'{config}: {e.args[0]}') from None
    except Exception as e:  # the config's own code, or its format, is broken
        raise ConfigError(f'{config} cannot be read: {type(e).__name__}: '
                          f'{" ".join(str(e).split())}') from None


def _loop_class(cfg: Config, name: str, loop: dict) -> Optional[type]:
    """The class the Runner builds for ``cfg[name]`` (None: a type this cannot look up)."""
    if 'type' not in loop:
        if name == 'train_cfg':
            return EpochBasedTrainLoop if loop.get('by_epoch', True) else IterBasedTrainLoop
        return ValLoop if name == 'val_cfg' else TestLoop
    if not isinstance(loop['type'], str):
        return loop['type'] if isinstance(loop['type'], type) else None
    with LOOPS.switch_scope_and_registry(cfg.get('default_scope')) as registry:
        found = registry.get(loop['type'])
    if found is None:
        raise ConfigError(f'{name}.type={loop["type"]!r}: no loop of that name is registered; '
                          'give one of mmengine\'s (EpochBasedTrainLoop, IterBasedTrainLoop, '
                          'ValLoop, TestLoop) or of the config\'s packages')
    return found


def check_loops(cfg: Config) -> None:
    """Refuse loop settings that no run can use, before the Runner starts: an unknown loop
    type, a setting its loop does not take (``train_cfg.max_epoch``), and lengths or
    intervals below 1."""
    for name in ('train_cfg', 'val_cfg', 'test_cfg'):
        loop = cfg.get(name)
        if not isinstance(loop, dict):
            continue
        for key in ('max_epochs', 'max_iters', 'val_interval', 'val_begin'):
            value = loop.get(key)
            least = 1 if key != 'val_begin' else 0
            if key in loop and not (type(value) is int and value >= least):
                raise ConfigError(f'{name}.{key}={value!r}: give an integer >= {least}')
        cls = _loop_class(cfg, name, loop)
        if cls is None:
            continue
        parameters = inspect.signature(cls.__init__).parameters
        if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
            continue
        takes = [p for p in parameters if p not in ('self', 'runner', 'dataloader', 'evaluator')]
        for key in loop:
            if key not in takes and key not in ('type', 'by_epoch'):
                close = difflib.get_close_matches(key, takes, n=1)
                hint = f'did you mean {close[0]}? ' if close else ''
                raise ConfigError(f'{name}.{key}: {cls.__name__} takes no {key}; {hint}it '
                                  f'takes {", ".join(takes)}')


def _sections(node: Any, path: str = '') -> Iterator[Tuple[str, dict]]:
    """Every dict in a config tree, with its dotted path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _sections(value, f'{path}.{key}' if path else key)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _sections(value, f'{path}.{i}')


def check_image_folders(cfg: Config) -> None:
    """Refuse a folder dataset (mmpretrain's ``CustomDataset`` without an ``ann_file``)
    whose folder is missing or holds no image, before the Runner starts: mmpretrain finds
    out only when it builds the dataloader."""
    for path, section in _sections({k: cfg.get(k) for k in DATALOADERS}):
        if section.get('type') != 'CustomDataset' or section.get('ann_file'):
            continue
        prefix = section.get('data_prefix') or ''
        prefix = prefix.get('img_path', '') if isinstance(prefix, dict) else prefix
        root = section.get('data_root') or ''
        folder = osp.join(root, prefix) if prefix else root
        extensions = tuple(section.get('extensions') or FOLDER_EXTENSIONS)
        fix = (f'give a folder of images with --cfg-options {path}.data_root=DIR'
               + (f' (the images in DIR/{prefix})' if prefix else ''))
        if not osp.isdir(folder):
            raise ConfigError(f'{path}: there is no folder {folder!r}; {fix}')
        if not any(name.lower().endswith(extensions)
                   for _, _, names in os.walk(folder, followlinks=True) for name in names):
            raise ConfigError(f'{path}: {folder} holds no images ({", ".join(extensions)}, '
                              f'in it or its subfolders); {fix}')


def load_runner_cfg(config: str, cfg_options: Optional[dict] = None, launcher: str = 'none',
                    work_dir: Optional[str] = None) -> Config:
    """Read ``config`` and apply ``--cfg-options``, ``--launcher`` and ``--work-dir``.

    Without ``work_dir`` (or ``work_dir`` in the config) the work dir is
    ``./work_dirs/<config name>``.

    Raises:
        FileNotFoundError: no such config file.
        ConfigError: :func:`read_config` cannot read it, an option cannot work (see :func:`check_cfg_options`),
            the loop settings cannot (:func:`check_loops`), a folder dataset has no images
            (:func:`check_image_folders`), or the work dir is the config's own folder
            (:func:`check_config_outside`).
    """
    cfg = read_config(config)
    cfg.launcher = launcher
    if cfg_options:
        check_cfg_options(cfg, cfg_options, config)
        cfg.merge_from_dict(cfg_options)
    check_loops(cfg)
    check_image_folders(cfg)
    cfg.work_dir = work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(config))[0])
    try:
        check_config_outside(cfg.work_dir, config)
    except WorkDirInUseError as e:
        raise ConfigError(str(e)) from None
    return cfg


def use_mixed_precision(cfg: Config, amp: bool) -> None:
    """Train ``cfg`` in mixed precision with ``amp`` (``--amp``): mmengine's
    ``AmpOptimWrapper`` (dynamic loss scale) on a GPU; on a machine without one, this and a
    config's own ``AmpOptimWrapper`` become bfloat16 autocast on the CPU
    (:class:`CPUAutocastOptimWrapper`), where the CPU has bfloat16 units.

    Raises:
        ConfigError: mixed precision on a machine without a GPU or bfloat16 CPU units.
    """
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if amp and wrapper == 'OptimWrapper':
        wrapper = cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    elif amp and wrapper != 'AmpOptimWrapper':
        print_log(f'--amp ignored: the config already uses {wrapper}', logger='current')
    if wrapper != 'AmpOptimWrapper' or get_device() != 'cpu':
        return
    if not cpu_supports_bf16():
        raise ConfigError('mixed precision (--amp, or the config\'s AmpOptimWrapper) needs a '
                          'GPU or a CPU with bfloat16 units (AVX-512 BF16, AMX), and this '
                          'machine has neither: train without --amp, or with '
                          '--cfg-options optim_wrapper.type=OptimWrapper')
    for key in ('loss_scale', 'dtype', 'use_fsdp'):
        cfg.optim_wrapper.pop(key, None)
    cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
    print_log('Mixed precision without a GPU: bfloat16 autocast on the CPU '
              '(CPUAutocastOptimWrapper); without AMX units it can be slower than fp32 '
              '(tools/analysis/benchmark.py measures both)',
              logger='current')


def prepare_runner_cfg(cfg: Config,
                       amp: bool = False,
                       resume: Optional[str] = None,
                       auto_scale_lr: bool = False,
                       no_validate: bool = False,
                       no_persistent_workers: bool = False) -> Config:
    """Apply the command-line switches of ``tools/train.py`` / ``tools/test.py`` to ``cfg``,
    and run it with :class:`mmsaim.runner.SafeRunner` unless it names another runner.

    Args:
        amp: train in mixed precision (:func:`use_mixed_precision`).
        resume: ``'auto'`` resumes from the newest complete checkpoint in the work dir (or
            trains from scratch when there is none), a path from that checkpoint; ``None``
            leaves the config's own ``resume`` setting.
        auto_scale_lr: scale the lr by the actual total batch size (needs ``auto_scale_lr``).
        no_validate: drop validation during training.
        no_persistent_workers: turn off ``persistent_workers`` in every dataloader.

    Raises:
        FileNotFoundError: ``resume`` names a file that does not exist.
        ConfigError: ``auto_scale_lr`` without ``auto_scale_lr.base_batch_size`` in the
            config, or mixed precision on a machine that has no way to run it.
    """
    cfg.setdefault('runner_type', 'SafeRunner')
    if cfg.get('optim_wrapper'):
        use_mixed_precision(cfg, amp)
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(f'--resume {resume}: no such checkpoint; pass a .pth '
                                    'file, or --resume alone for the latest in the work dir')
        cfg.resume, cfg.load_from = True, resume
    if auto_scale_lr:
        if 'base_batch_size' not in (cfg.get('auto_scale_lr') or {}):
            raise ConfigError('--auto-scale-lr needs `auto_scale_lr = dict(base_batch_size=N)` '
                              'in the config: N is the total batch size its lr was set for')
        cfg.auto_scale_lr.enable = True
    if no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    for name in DATALOADERS:
        loader = cfg.get(name)
        if loader is None:
            continue
        if no_persistent_workers or loader.get('num_workers', 0) == 0:
            loader.persistent_workers = False
    return cfg


def build_runner(cfg: Config) -> Runner:
    """The Runner of ``cfg``: its ``runner_type`` from mmengine's ``RUNNERS`` registry."""
    return RUNNERS.build(cfg)
