"""Every source mmengine can load a checkpoint from, read as plain data.

mmengine's ``CheckpointLoader`` picks a loader by the checkpoint's prefix: a local path,
``http(s)://``, ``torchvision://`` / ``modelzoo://``, ``open-mmlab://`` / ``openmmlab://``,
``mmcls://``, ``pavi://``, ``s3://`` / ``petrel://``. Its own loaders end in ``torch.load``
(torch's download helper with ``weights_only=False``), so a checkpoint given as a URL could
run code. :func:`register_checkpoint_sources` (``import mmsaim`` calls it) puts
:func:`read_checkpoint` behind every prefix: it only fetches (downloading into torch's hub
cache, as torch does, or reading a bucket's bytes) and hands the file to the one reader,
:func:`mmsaim.fileio.load_checkpoint_file`. A file found in the download cache is read the
same way. So every load through mmengine (``load_from``, ``resume``, ``init_cfg=dict(
type='Pretrained')``, ``load_checkpoint``, mmpretrain's ``get_model`` and inferencers, mmdet
and mmseg backbones) reads plain data.
"""
import os
import os.path as osp
import re
import tempfile
from typing import Any, Callable, Optional, Sequence, Tuple
from urllib.parse import urlparse

import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import (CheckpointLoader, _get_mmengine_home,
                                        _process_mmcls_checkpoint, get_deprecated_model_names,
                                        get_external_models, get_mmcls_models,
                                        get_torchvision_models)

from .checkpoint_file import CheckpointError, load_checkpoint_file


def download(url: str) -> str:
    """The file of ``url`` in torch's hub cache (``<torch hub dir>/checkpoints/<name>``, as
    ``torch.hub.load_state_dict_from_url`` keeps it), downloaded unless it is there. A name
    ``<stem>-<sha256 prefix>.pth`` is checked against the hash of what is downloaded. In a
    distributed run rank 0 downloads first."""
    name = osp.basename(urlparse(url).path)
    if not name:
        raise CheckpointError(f'{url} names no file; give the URL of a .pth file')
    cached = osp.join(torch.hub.get_dir(), 'checkpoints', name)
    rank, world_size = get_dist_info()
    for turn in ((0, 1) if world_size > 1 else (rank, )):
        if turn == rank and not osp.exists(cached):
            os.makedirs(osp.dirname(cached), exist_ok=True)
            found = torch.hub.HASH_REGEX.search(name)
            torch.hub.download_url_to_file(url, cached, found.group(1) if found else None,
                                           progress=os.isatty(2))
        if world_size > 1 and turn == 0:
            barrier()
    return cached


def _from_bucket(address: str) -> bytes:
    return get_file_backend(address, backend_args=dict(backend='petrel')).get(address)


def _from_pavi(address: str) -> bytes:
    from pavi import modelcloud  # mmengine's loader needs it too
    model = modelcloud.get(address[len('pavi://'):])
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, model.name)
        model.download(path)
        with open(path, 'rb') as f:
            return f.read()


def _from_table(table: Callable[[], dict], prefix_length: int) -> Callable[[str], str]:
    """A name in one of mmengine's model tables (``torchvision://resnet50``) -> its URL."""

    def fetch(address: str) -> str:
        name = address[prefix_length:]
        urls = table()
        if name not in urls:
            raise CheckpointError(f'{address}: no model {name!r} in mmengine\'s table of '
                                  f'{address[:prefix_length]} names')
        return download(urls[name])

    return fetch


def _from_openmmlab(address: str) -> str:
    name = address.split('://', 1)[1]
    name = get_deprecated_model_names().get(name, name)
    urls = get_external_models()
    if name not in urls:
        raise CheckpointError(f'{address}: no model {name!r} in mmengine\'s open-mmlab table')
    if urls[name].startswith(('http://', 'https://')):
        return download(urls[name])
    return osp.join(_get_mmengine_home(), urls[name])


# (prefix as mmengine registers it: a regular expression matched at the start; fetch:
# address -> a local file or the file's bytes; what mmengine's loader does with the
# checkpoint read, if anything)
SOURCES: Tuple[Tuple[str, Callable[[str], Any], Optional[Callable[[dict], dict]]], ...] = (
    (r'(\S+\:)?s3://', _from_bucket, None),
    (r'(\S+\:)?petrel://', _from_bucket, None),
    ('http://', download, None),
    ('https://', download, None),
    ('torchvision://', _from_table(get_torchvision_models, len('torchvision://')), None),
    ('modelzoo://', _from_table(get_torchvision_models, len('modelzoo://')), None),
    ('open-mmlab://', _from_openmmlab, None),
    ('openmmlab://', _from_openmmlab, None),
    ('mmcls://', _from_table(get_mmcls_models, len('mmcls://')), _process_mmcls_checkpoint),
    ('pavi://', _from_pavi, None),
)


def read_checkpoint(filename: str, map_location: Any = None,
                    plain_classes: Sequence[type] = ()) -> dict:
    """The checkpoint at ``filename`` (a local path or any address in :data:`SOURCES`),
    read by :func:`load_checkpoint_file`.

    Raises:
        FileNotFoundError: no such local file.
        CheckpointError: the reader refuses the file, or the address names no model.
    """
    for prefix, fetch, process in SOURCES:
        if re.match(prefix, filename):
            fetched = fetch(filename)
            name = filename if isinstance(fetched, bytes) else f'{filename} ({fetched})'
            checkpoint = load_checkpoint_file(fetched, map_location, plain_classes, name)
            return checkpoint if process is None else process(checkpoint)
    return load_checkpoint_file(filename, map_location, plain_classes)


def load_from_plain_data(filename: str, map_location: Any = None) -> dict:
    """:func:`read_checkpoint` as mmengine's ``CheckpointLoader`` calls a loader (it logs
    ``Loads checkpoint by plain_data backend``)."""
    return read_checkpoint(filename, map_location)


def register_checkpoint_sources() -> None:
    """Put :func:`load_from_plain_data` behind local paths and every prefix in
    :data:`SOURCES`: all that mmengine's ``CheckpointLoader`` knows."""
    prefixes = ['', *(prefix for prefix, *_ in SOURCES)]
    CheckpointLoader.register_scheme(prefixes, load_from_plain_data, force=True)
