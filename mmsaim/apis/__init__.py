from .attention_maps import attention_maps
from .completion import (Completion, complete, random_visible, visible_first,
                         visible_from_mask_file)
from .inference import (FEATURE_KINDS, as_batch, extract_features, image_size, init_model,
                        load_images, reconstruct)
from .orders import ORDER_NAMES, batch_permutation
from .publish import plain_meta, publish_checkpoint
from .trained_weights import load_trained_weights

__all__ = [
    'attention_maps', 'Completion', 'complete', 'random_visible', 'visible_first',
    'visible_from_mask_file', 'FEATURE_KINDS', 'as_batch', 'extract_features', 'image_size',
    'init_model', 'load_images', 'reconstruct', 'ORDER_NAMES', 'batch_permutation',
    'plain_meta', 'publish_checkpoint', 'load_trained_weights'
]
