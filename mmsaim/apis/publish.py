"""Publish a checkpoint: weights and plain metadata only, named by its hash."""
import hashlib
import io
import os
import os.path as osp
from typing import Union

import numpy as np
import torch

from ..runner import load_checkpoint_file, replace_file_atomically

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


def plain_meta(meta: dict) -> dict:
    """The entries of a checkpoint's ``meta`` that are (or convert to) plain types; the
    others (objects a ``weights_only`` load would refuse) are left out."""
    kept = {}
    for key, value in meta.items():
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

    Args:
        checkpoint (str | dict): a checkpoint file (mmengine's layout, ``state_dict`` inside)
            or the loaded dict.
        out_file (str): the path to write, before the hash is added to its name.

    Returns:
        str: the published file.
    """
    if isinstance(checkpoint, str):
        checkpoint = load_checkpoint_file(checkpoint, map_location='cpu')
    if 'state_dict' not in checkpoint:
        raise KeyError('the checkpoint has no state_dict')
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
    replace_file_atomically(final_file, data)
    return final_file
