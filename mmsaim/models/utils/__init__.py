from .attention import (attention_probabilities, check_supported_blocks, multihead_attention,
                        record_attention, transformer_block)
from .block_runner import BlockRunner
from .gaussian_blur import GaussianBlur, gaussian_kernel2d
from .order import (ORDER_MODES, AutoregressiveOrder, content_mask, order_ranks, query_mask,
                    sample_order)
from .patches import (check_divisible, denormalize_patches, normalize_patches, patch_grid,
                      patchify, unpatchify)

__all__ = [
    'attention_probabilities', 'check_supported_blocks', 'multihead_attention',
    'record_attention', 'transformer_block', 'BlockRunner', 'GaussianBlur', 'gaussian_kernel2d',
    'ORDER_MODES', 'AutoregressiveOrder', 'content_mask', 'order_ranks', 'query_mask',
    'sample_order', 'check_divisible', 'denormalize_patches', 'normalize_patches', 'patch_grid',
    'patchify', 'unpatchify'
]
