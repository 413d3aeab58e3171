from .attention_maps import attention_maps
from .completion import (Completion, complete, random_visible, visible_first,
                         visible_from_mask_file)
from .inference import (FEATURE_KINDS, as_batch, extract_features, image_size, init_model,
                        load_images, reconstruct)
from .orders import ORDER_NAMES, batch_permutation
from .publish import plain_meta, publish_checkpoint
from .runner_cfg import (add_runner_args, load_runner_cfg, load_trained_weights,
                         prepare_runner_cfg)

__all__ = [
    'attention_maps', 'Completion', 'complete', 'random_visible', 'visible_first',
    'visible_from_mask_file', 'FEATURE_KINDS', 'as_batch', 'extract_features', 'image_size',
    'init_model', 'load_images', 'reconstruct', 'ORDER_NAMES', 'batch_permutation',
    'plain_meta', 'publish_checkpoint', 'add_runner_args', 'load_runner_cfg',
    'load_trained_weights', 'prepare_runner_cfg'
]
