# Imagenette (10 ImageNet classes; any ImageNet-style folder with meta/{train,val}.txt) held in
# memory: each split is decoded once into one uint8 tensor on the device the model runs on,
# stored at 9/8 of the crop side (short side resized, bicubic), and every batch is cropped
# there by the model's data preprocessor (batch_crop). Put the data in data/imagenette (a
# link will do) or set data_root on the datasets with --cfg-options. A training run ends at
# the first epoch boundary past a time limit, with a checkpoint for --resume, with
#   --cfg-options default_hooks.time_limit.type=TimeLimitHook default_hooks.time_limit.minutes=30
_base_ = ['./preset.py', '../../../_base_/default_runtime.py']
custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

num_classes = 10
images = dict(type='ImageTensorDataset', data_root='data/imagenette', crop_size=_base_.crop_size)
in_memory_loader = dict(
    num_workers=0, persistent_workers=False, collate_fn=dict(type='batched_collate'))
evaluation_loader = dict(
    **in_memory_loader, batch_size=256, sampler=dict(type='DefaultSampler', shuffle=False))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='ResumableCheckpointHook', interval=1, max_keep_ckpts=1))
custom_hooks = [dict(type='FiniteLossHook')]
randomness = dict(seed=0, diff_rank_seed=True)
