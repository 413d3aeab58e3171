from .attention import (attention_probabilities, check_supported_blocks, multihead_attention,
                        record_attention, transformer_block)
from .block_runner import BlockRunner
from .gaussian_blur import GaussianBlur, gaussian_kernel2d
from .order import (ORDER_NAMES, CausalLayout, Layout, MaskedLayout, content_mask,
                    draw_permutation, permutation_ranks, query_mask)
from .patches import (check_divisible, denormalize_patches, normalize_patches, patch_grid,
                      patchify, unpatchify)

__all__ = [
    'attention_probabilities', 'check_supported_blocks', 'multihead_attention',
    'record_attention', 'transformer_block', 'BlockRunner', 'GaussianBlur', 'gaussian_kernel2d',
    'ORDER_NAMES', 'CausalLayout', 'Layout', 'MaskedLayout', 'content_mask', 'draw_permutation',
    'permutation_ranks', 'query_mask', 'check_divisible', 'denormalize_patches',
    'normalize_patches', 'patch_grid', 'patchify', 'unpatchify'
]
