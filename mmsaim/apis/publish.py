"""Publish a checkpoint: weights and plain metadata only, named by its hash."""
import hashlib
import io
import os
import os.path as osp
from typing import Union

import numpy as np
import torch

from ..fileio import read_checkpoint, replace_file_atomically

PLAIN = (str, int, float, bool, type(None))


class _NotPlain(Exception):
    pass


def _plain(value):
    """``value`` as str / int / float / bool / None, or lists and str-keyed dicts of them."""
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    raise _NotPlain(type(value).__name__)


# Config text: mmengine's Runner.resume (``config``) and its inferencers (``cfg``) execute
# it as Python when they find it in a checkpoint.
CONFIG_TEXT = ('config', 'cfg')


def plain_meta(meta: dict) -> dict:
    """The entries of a checkpoint's ``meta`` that are (or convert to) plain types, without
    the config text; the others (objects a ``weights_only`` load would refuse, text that
    mmengine would execute) are left out."""
    kept = {}
    for key, value in meta.items():
        if key in CONFIG_TEXT:
            continue
        try:
            kept[key] = _plain(value)
        except _NotPlain:
            pass
    return kept


def publish_checkpoint(checkpoint: Union[str, dict], out_file: str) -> str:
    """Write ``{'state_dict', 'meta'}`` of ``checkpoint`` as ``<out_file stem>-<sha256[:8]>.pth``.

    Like mmpretrain's ``tools/model_converters/publish_model.py``: the optimizer, the
    parameter schedulers, the message hub and everything else a training run saves are
    dropped; the state dict is kept (on the CPU) and ``meta`` keeps only plain types, so
    the file loads with ``torch.load(..., weights_only=True)``, in a process that has not
    imported mmsaim, into a stock mmpretrain ``VisionTransformer`` (``prefix='backbone.'``).
    The config text is left out too (publish the config file beside the weights): mmengine
    executes the text it finds in a checkpoint.

    Args:
        checkpoint (str | dict): a checkpoint file (mmengine's layout, ``state_dict`` inside)
            or the loaded dict.
        out_file (str): the path to write, before the hash is added to its name.

    Returns:
        str: the published file.

    Raises:
        ValueError: the checkpoint holds no weights.
        FileExistsError: the published file would be the checkpoint itself.
    """
    source = checkpoint if isinstance(checkpoint, str) else None
    if source is not None:
        checkpoint = read_checkpoint(source, map_location='cpu')
    if not checkpoint.get('state_dict'):
        raise ValueError(f'{source or "the checkpoint"} holds no weights (no state_dict, or '
                         'an empty one); publish a checkpoint that training wrote')
    published = dict(
        state_dict={k: v.detach().cpu().clone() for k, v in checkpoint['state_dict'].items()},
        meta=plain_meta(checkpoint.get('meta') or {}))
    buffer = io.BytesIO()
    torch.save(published, buffer)
    data = buffer.getvalue()
    # Fails loudly, before anything is written, if something not plain slipped through.
    torch.load(io.BytesIO(data), map_location='cpu', weights_only=True)
    stem = out_file[:-len('.pth')] if out_file.endswith('.pth') else out_file
    os.makedirs(osp.dirname(osp.abspath(stem)), exist_ok=True)
    final_file = f'{stem}-{hashlib.sha256(data).hexdigest()[:8]}.pth'
    if source is not None and osp.exists(final_file) and osp.samefile(final_file, source):
        raise FileExistsError(f'publishing {source} as {out_file} would write over it (it '
                              'is already the published file); give another output name')
    replace_file_atomically(final_file, data)
    return final_file
