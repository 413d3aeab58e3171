from .patches import (ORDER_NAMES, content_mask, denormalize_patches, draw_permutation,
                      gather_tokens, normalize_patches, patch_grid, patchify, permutation_ranks,
                      query_mask, unpatchify)
from .saim_block import SAIMAttention, SAIMBlock, SAIMStream, attention_probabilities, vit_blocks

__all__ = [
    'ORDER_NAMES', 'content_mask', 'denormalize_patches', 'draw_permutation', 'gather_tokens',
    'normalize_patches', 'patch_grid', 'patchify', 'permutation_ranks', 'query_mask',
    'unpatchify', 'SAIMAttention', 'SAIMBlock', 'SAIMStream', 'attention_probabilities',
    'vit_blocks'
]
