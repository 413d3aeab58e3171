# SAIM ViT-B/16, 300 epochs on ImageNet-1k, the paper's recipe (batch 2048 = 8 GPUs x 256).
_base_ = [
    './_base_/models/saim_vit-base-p16.py',
    './_base_/datasets/imagenet_bs256_saim.py',
    './_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

# Speed (docs/benchmark.md): regional torch.compile of both streams' blocks, and fused AdamW
# below; both compute what the plain path computes (tests/test_models/test_utils/). Turn off
# with --cfg-options model.compile_blocks=False optim_wrapper.optimizer.fused=False. For
# memory: model.checkpoint_every=1 (every block) or k; model.residual_in_autocast_dtype=True
# keeps the residual stream in fp16 (see docs/benchmark.md for its error).
model = dict(compile_blocks=True, checkpoint_every=0, residual_in_autocast_dtype=False)

# AdamW, base lr 2e-4 per 256 images, no weight decay on norms, biases and embeddings.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(
        type='AdamW', lr=2e-4 * 2048 / 256, betas=(0.9, 0.95), weight_decay=0.05,
        fused=True),
    constructor='SummarizedOptimWrapperConstructor',  # one log line for paramwise_cfg
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'bias': dict(decay_mult=0.),
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.),
        }))

# 30 warm-up epochs, then cosine decay to the end of training (`train_cfg.max_epochs`).
param_scheduler = [
    dict(type='WarmupCosineAnnealingLR', warmup=30, start_factor=1e-4,
         eta_min=0., by_epoch=True, convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(type='ResumableCheckpointHook', interval=1, max_keep_ckpts=3))
custom_hooks = [dict(type='FiniteLossHook')]
randomness = dict(seed=0, diff_rank_seed=True)
resume = True
# `tools/train.py --auto-scale-lr` rescales lr to the actual total batch size.
auto_scale_lr = dict(base_batch_size=2048)
