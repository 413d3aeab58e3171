"""What the last block of each SAIM stream attends to, under a prediction order."""
from contextlib import ExitStack
from typing import Dict, Optional

import torch

from ..models.utils import MaskedLayout, record_attention
from .inference import Images, as_batch, eval_mode
from .orders import OrderSpec, batch_permutation


def last_query_attention(model):
    """The attention module of the query stream's last block, or None without a query
    stream (ViT-iGPT). With ``share_encoder_blocks`` it is the encoder block's own."""
    if not model.with_neck:
        return None
    neck = model.neck
    if neck.share_encoder_blocks:
        return model.backbone.layers[neck.attach_to[-1]].attn
    return neck.layers[-1].attn


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
    # The reference layout keeps patch order, so the recorded rows and columns are patches.
    layout = MaskedLayout(batch_permutation(model, batch, order, generator))
    content_attn, query_attn = model.backbone.layers[-1].attn, last_query_attention(model)
    modules = {id(m): m for m in (content_attn, query_attn) if m is not None}
    with ExitStack() as stack, eval_mode(model):
        calls = {key: stack.enter_context(record_attention(m)) for key, m in modules.items()}
        model.predict_features(batch, layout)

    def last(attn, kind):
        return [probs for k, probs in calls[id(attn)] if k == kind][-1]

    return dict(content=last(content_attn, 'self')[:, :, 1:],
                query=None if query_attn is None else last(query_attn, 'cross'),
                permutation=layout.permutation)
