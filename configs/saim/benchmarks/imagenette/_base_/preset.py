# The preset that every config of the benchmark is written for, the CPU one (the whole table
# takes about 1.5 hours on 2 CPU cores, and an estimated 20 minutes more for the attentive
# probe, the k-NN of every block and the any-order loss): the demo encoder's shape, a ViT of
# width 192 with 6 blocks of 3 heads on 8x8 patches of 32 px crops (16 patches), 20
# pretraining epochs at batch 128 and a 15-epoch fine-tune, in fp32. The other presets are
# --cfg-options on top of the configs: ../presets/ lists them for each config.
vit = dict(
    arch=dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768),
    patch_size=8)
crop_size = 32
pretrain = dict(epochs=20, warmup_epochs=2, batch_size=128, lr=1e-3)
finetune = dict(epochs=15, warmup_epochs=2, batch_size=128, lr=1e-3)
