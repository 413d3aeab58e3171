# The GPU preset of the Imagenette representation benchmark: ViT-S/8 (width 384, 12 blocks of
# 6 heads) on 64 px crops (64 patches), 200 pretraining epochs at batch 256 and a 50-epoch
# fine-tune, under bf16 autocast (mmengine's AmpOptimWrapper). See ./cpu.py for the names.
device = 'cuda'
vit = dict(
    arch=dict(embed_dims=384, num_layers=12, num_heads=6, feedforward_channels=1536),
    patch_size=8)
crop_size = 64
pretrain = dict(epochs=200, warmup_epochs=20, batch_size=256, lr=1e-3)
finetune = dict(epochs=50, warmup_epochs=5, batch_size=256, lr=1e-3)
optim_wrapper_type = dict(type='AmpOptimWrapper', dtype='bfloat16')
checkpoint_interval = 10  # epochs; a run stopped in between saves where it stops
