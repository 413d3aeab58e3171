"""The project's model index: ``model-index.yml`` and the metafiles it imports."""
import os.path as osp

import yaml

from mmsaim.paths import REPO_ROOT


def read_yaml(path: str) -> dict:
    with open(osp.join(REPO_ROOT, path)) as f:
        return yaml.safe_load(f)


def metafiles() -> list:
    """The metafiles that ``model-index.yml`` imports, relative to the repository root."""
    return read_yaml('model-index.yml')['Import']


def index_models() -> dict:
    """Every model of the index by name, with the metafile that holds it (``_metafile``)."""
    models = {}
    for metafile in metafiles():
        for model in read_yaml(metafile)['Models']:
            models[model['Name']] = dict(model, _metafile=metafile)
    return models
