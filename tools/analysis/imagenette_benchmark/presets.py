"""The benchmark's configs and presets.

The configs in ``configs/saim/benchmarks/imagenette/`` are the CPU preset's; a preset
(``presets/<name>.py`` there, or a file like them) sets ``device``, the device it is meant
for, and ``cfg_options``: for each config (by file name) the ``--cfg-options`` that make it
the preset's, as ``key=value`` strings exactly as they go on the command line.
"""
import os
import os.path as osp
from typing import Dict, List, NamedTuple, Sequence

from mmengine.config import Config

from mmsaim.cli import add_runner_args, tool_parser
from mmsaim.paths import PROJECT_FILES
from mmsaim.runner import load_runner_cfg, read_config

CONFIG_DIR = osp.join(PROJECT_FILES, 'configs/saim/benchmarks/imagenette')
PRESET_DIR = osp.join(CONFIG_DIR, 'presets')


def config_file(config: str) -> str:
    """The file of a benchmark config given by its name, e.g. ``'eval_knn.py'``."""
    return osp.join(CONFIG_DIR, config)


def preset_names() -> List[str]:
    """The presets that ship with the benchmark (``cpu``, ``cuda``, ...)."""
    return sorted(osp.splitext(name)[0] for name in os.listdir(PRESET_DIR)
                  if name.endswith('.py'))


class Preset(NamedTuple):
    """A preset: its ``name``, the ``device`` it is meant for (``'cpu'``, ``'cuda'``) and
    its ``cfg_options``, config file name -> ``key=value`` strings."""
    name: str
    device: str
    cfg_options: Dict[str, List[str]]

    def options(self, config: str) -> List[str]:
        """The ``--cfg-options`` that make ``config`` (a file name) this preset's."""
        return list(self.cfg_options.get(config, []))

    def load(self, config: str, options: Sequence[str] = ()) -> Config:
        """``config`` (a file name) under this preset, with the further ``--cfg-options``
        ``options``."""
        return load_config(config, [*self.options(config), *options])


def read_preset(preset: str) -> Preset:
    """A preset given by its name (one of :func:`preset_names`) or as a file.

    Raises:
        FileNotFoundError: no such preset.
        ValueError: the file does not set ``device`` and ``cfg_options`` as a preset does.
    """
    path = osp.join(PRESET_DIR, f'{preset}.py') if preset in preset_names() else preset
    if not osp.isfile(path):
        raise FileNotFoundError(f'preset {preset!r}: no such file; give one of '
                                f'{preset_names()} or a preset file')
    cfg = read_config(path)
    options = cfg.get('cfg_options')
    if not isinstance(cfg.get('device'), str) or not isinstance(options, dict) or not all(
            isinstance(o, str) and '=' in o for value in options.values() for o in value):
        raise ValueError(f'preset {path}: set device (a string) and cfg_options (config file '
                         "name -> list of 'key=value' strings), as the presets in "
                         f'{PRESET_DIR} do')
    return Preset(osp.splitext(osp.basename(path))[0], cfg.device,
                  {config: list(value) for config, value in options.items()})


def parse_cfg_options(options: Sequence[str]) -> dict:
    """``key=value`` strings as ``tools/train.py`` and ``tools/test.py`` read them after
    ``--cfg-options``."""
    if not options:
        return {}
    parser = tool_parser(__doc__)
    add_runner_args(parser)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def load_config(config: str, options: Sequence[str] = ()) -> Config:
    """A benchmark config (its file name) as ``tools/train.py`` and ``tools/test.py`` read it
    with the ``--cfg-options`` ``options``."""
    return load_runner_cfg(config_file(config), parse_cfg_options(options))


def schedule(cfg: Config) -> dict:
    """The length, warm-up, batch and lr of a training config."""
    return dict(epochs=cfg.train_cfg.max_epochs, warmup_epochs=cfg.param_scheduler[0].warmup,
                batch_size=cfg.train_dataloader.batch_size, lr=cfg.optim_wrapper.optimizer.lr)


def preset_values(pretrain: Config, finetune: Config, device: str) -> dict:
    """The values of a preset as its runs use them, read from a pretraining config and the
    fine-tune config loaded under it: the encoder, the crops, the two schedules, the
    precision, the checkpoint interval, and ``device``."""
    backbone, optim_wrapper = pretrain.model.backbone, pretrain.optim_wrapper
    return dict(
        device=device,
        vit=dict(arch=dict(backbone.arch), patch_size=backbone.patch_size),
        crop_size=pretrain.model.data_preprocessor.batch_crop.size,
        pretrain=schedule(pretrain),
        finetune=schedule(finetune),
        optim_wrapper_type={k: optim_wrapper[k] for k in ('type', 'dtype') if k in optim_wrapper},
        checkpoint_interval=pretrain.default_hooks.checkpoint.interval)
