"""How SAIM's two streams run their blocks: eagerly or compiled, with or without checkpoints."""
from typing import Optional, Union

import torch
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from torch.utils.checkpoint import checkpoint

from .attention import transformer_block


def checkpointed_block(layer: TransformerEncoderLayer,
                       x: torch.Tensor,
                       context: Optional[torch.Tensor] = None,
                       **attn_kwargs) -> torch.Tensor:
    """:func:`transformer_block` that keeps only its inputs for the backward pass, which
    runs the block again (``torch.utils.checkpoint``, non-reentrant, random state kept)."""
    return checkpoint(transformer_block, layer, x, context, use_reentrant=False,
                      **attn_kwargs)


class BlockRunner:
    """Runs :func:`transformer_block` for the encoder and the query stream.

    None of the options changes what is computed or which parameters exist, so checkpoints
    load whatever they are; each trades something else for speed or memory:

    - ``compile_blocks``: regional ``torch.compile`` of the block. Every block of a stream
      has the same code and shapes, so one compilation serves them all (seconds, not the
      minutes of compiling the whole loss); inside a block the compiler fuses the residual
      additions, LayerNorm, GELU and dtype casts around the matrix products and attention.
    - ``checkpoint_every=k``: blocks 0, k, 2k, ... of each stream keep only their inputs and
      recompute their activations in the backward pass (1: every block), for large batches
      and ViT-L. Outputs that another block reads are kept anyway.
    - ``residual_in_autocast_dtype``: under autocast, each stream's residual stream (its
      input, the block outputs and the additions) is held in the autocast dtype (fp16 or
      bf16) instead of fp32. LayerNorm still computes in fp32 (autocast's rule). Rounds the
      residual additions; see ``docs/benchmark.md`` for how much.

    Args:
        compile_blocks (bool | dict): compile the block; a dict is ``torch.compile``'s keyword
            arguments, ``True`` is ``dict(dynamic=False)`` (shapes are fixed in training:
            every shape compiles once, specialized). Defaults to False.
        checkpoint_every (int): 0 (default) checkpoints nothing.
        residual_in_autocast_dtype (bool): Defaults to False.

    Call: ``runner(index, layer, x, context=None, **attn_kwargs)``, block ``index`` of its
    stream, with :func:`transformer_block`'s arguments and shapes: (B, L, D) -> (B, L, D).
    """

    def __init__(self,
                 compile_blocks: Union[bool, dict] = False,
                 checkpoint_every: int = 0,
                 residual_in_autocast_dtype: bool = False):
        if not isinstance(checkpoint_every, int) or checkpoint_every < 0:
            raise ValueError(f'checkpoint_every={checkpoint_every!r}: give 0 (no activation '
                             'checkpoints), 1 (every block) or k (every k-th block)')
        if compile_blocks is True:
            compile_blocks = dict(dynamic=False)
        self.compile_cfg = dict(compile_blocks) if compile_blocks else None
        self.checkpoint_every = checkpoint_every
        self.residual_in_autocast_dtype = residual_in_autocast_dtype
        self.plain_block = self._maybe_compiled(transformer_block)
        self.checkpointed_block = (self._maybe_compiled(checkpointed_block)
                                   if checkpoint_every else None)

    def _maybe_compiled(self, block):
        return block if self.compile_cfg is None else torch.compile(block, **self.compile_cfg)

    def __call__(self, index: int, layer: TransformerEncoderLayer, x: torch.Tensor,
                 context: Optional[torch.Tensor] = None, **attn_kwargs) -> torch.Tensor:
        checkpointed = self.checkpoint_every and index % self.checkpoint_every == 0
        block = self.checkpointed_block if checkpointed else self.plain_block
        return block(layer, x, context, **attn_kwargs)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """A stream's input ``x`` in the dtype its residual stream is kept in."""
        device = x.device.type
        if self.residual_in_autocast_dtype and torch.is_autocast_enabled(device):
            return x.to(torch.get_autocast_dtype(device))
        return x
