"""The configs of the Imagenette representation benchmark under a preset, for the tools.

Every config in ``configs/saim/benchmarks/imagenette`` reads its preset (encoder, crops,
epochs, device) from the file that the environment variable ``SAIM_BENCHMARK_PRESET``
names while the config is read (``_base_/presets/cpu.py`` without it); a config that
evaluates a row's own pretraining model reads the row's config from ``SAIM_BENCHMARK_ROW``.
"""
import os
import os.path as osp
from typing import Any, Optional

from mmengine.config import Config

from mmsaim.paths import REPO_ROOT

CONFIG_DIR = osp.join(REPO_ROOT, 'configs/saim/benchmarks/imagenette')
PRESET_DIR = osp.join(CONFIG_DIR, '_base_/presets')
PRESET_VARIABLE = 'SAIM_BENCHMARK_PRESET'
ROW_VARIABLE = 'SAIM_BENCHMARK_ROW'


def preset_names():
    """The presets that ship with the benchmark (``cpu``, ``cuda``, ...)."""
    return sorted(osp.splitext(name)[0] for name in os.listdir(PRESET_DIR)
                  if name.endswith('.py'))


def preset_file(preset: str) -> str:
    """The file of a preset given by its name or as a path."""
    path = osp.join(PRESET_DIR, f'{preset}.py') if preset in preset_names() else preset
    if not osp.isfile(path):
        raise FileNotFoundError(f'preset {preset!r}: no such file; give one of '
                                f'{preset_names()} or a preset file')
    return osp.abspath(path)


def derived_preset(base: str, out_file: str, **values: Any) -> str:
    """Write a preset that is ``base`` with ``values`` merged in (dicts merge key by key)."""
    lines = [f'_base_ = [{osp.abspath(base)!r}]']
    lines += [f'{name} = {value!r}' for name, value in values.items()]
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return out_file


def load_config(config: str, preset: str, row: Optional[str] = None) -> Config:
    """A benchmark config (a file name in ``CONFIG_DIR`` or a path) read under ``preset``
    (a preset file) and, for a config that evaluates a row's own pretraining model
    (``eval_any-order.py``), that row's pretraining config ``row`` (a file name in
    ``CONFIG_DIR``)."""
    path = config if osp.isfile(config) else osp.join(CONFIG_DIR, config)
    variables = {PRESET_VARIABLE: osp.abspath(preset)}
    if row is not None:
        variables[ROW_VARIABLE] = osp.join(CONFIG_DIR, row)
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        return Config.fromfile(path)
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def read_preset(preset: str) -> dict:
    """The names a preset file sets, as plain data."""
    return {k: v for k, v in Config.fromfile(preset).to_dict().items() if k != '_base_'}
