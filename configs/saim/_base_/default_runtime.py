# mmpretrain's default runtime, with its visualizer as mmpretrain's own configs have it.
# Settings inherited from another package's config (`mmpretrain::`) carry that package's
# `_scope_`, which mmpretrain's tools/visualization/browse_dataset.py would pass on to the
# visualizer as an argument.
_base_ = 'mmpretrain::_base_/default_runtime.py'

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(_delete_=True, type='UniversalVisualizer', vis_backends=vis_backends)
