"""What the last block of each SAIM stream attends to, under a prediction order."""
from contextlib import contextmanager
from typing import Dict, Iterator, Optional

import torch

from .inference import Images, as_batch, eval_mode
from .orders import OrderSpec, batch_permutation


@contextmanager
def in_patch_order(model) -> Iterator[None]:
    """Run the streams of a SAIM ``model`` with the paper's masks in patch order (the
    reference computation, the same features) while the block runs."""
    saved, model.explicit_masks = model.explicit_masks, True
    try:
        yield
    finally:
        model.explicit_masks = saved


@torch.no_grad()
def attention_maps(model, images: Images, order: OrderSpec = None,
                   generator: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
    """The last block's attention in the content and the query stream, as in pretraining.

    Each token attends under the masks of ``order``: the content token of a patch to
    ``cls`` and the patches up to itself in the order, the query of a patch to ``cls`` and
    the patches strictly before it (the query reads the content stream's states).

    Args:
        images: see :func:`mmsaim.apis.as_batch`.
        order: as in :func:`mmsaim.apis.reconstruct`; ``None`` draws the model's own.

    Returns:
        dict: ``content`` (B, heads, N, 1 + N): row i is what patch i's content token
        attends to, column 0 ``cls``, column 1 + j patch j (raster numbering); ``query``
        (B, heads, N, 1 + N), the same for the queries, or None for a model without a query
        stream; ``permutation`` (B, N). Rows sum to one.
    """
    batch = as_batch(model, images)
    permutation = batch_permutation(model, batch, order, generator)
    content = model.backbone.layers[-1].attn
    query = model.neck.blocks[-1].attn if model.with_neck else None
    attentions = {content, query} - {None}  # one module when the query stream shares it
    for attn in attentions:
        attn.recorded = []
    try:
        with eval_mode(model), in_patch_order(model):
            model.predict_in_order(batch, permutation)
        content_probs = [probs for kind, probs in content.recorded if kind == 'self'][-1]
        query_probs = None if query is None else [
            probs for kind, probs in query.recorded if kind == 'cross'][-1]
    finally:
        for attn in attentions:
            attn.recorded = None
    return dict(content=content_probs[:, :, 1:], query=query_probs, permutation=permutation)
