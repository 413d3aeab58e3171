# The GPU preset of the Imagenette representation benchmark: ViT-S/8 (width 384, 12 blocks of
# 6 heads) on 64 px crops (64 patches), 200 pretraining epochs at batch 256 (20 of warm-up)
# and a 50-epoch fine-tune (5 of warm-up), under bf16 autocast (mmengine's AmpOptimWrapper),
# with a checkpoint every 10 epochs (a run stopped in between saves where it stops). The
# query stream of SAIM stays as deep as the encoder; the light one is half as wide and a third
# as deep, MAE's decoder 2/3 as wide and deep, as the rows' configs derive them. See ./cpu.py
# for what a preset sets.
device = 'cuda'

vit_s8 = [  # the encoder of a model and its crops
    'model.backbone.arch.embed_dims=384',
    'model.backbone.arch.num_layers=12',
    'model.backbone.arch.num_heads=6',
    'model.backbone.arch.feedforward_channels=1536',
    'model.backbone.img_size=64',
    'model.data_preprocessor.batch_crop.size=64',
]
bf16 = ['optim_wrapper.type=AmpOptimWrapper', 'optim_wrapper.dtype=bfloat16']
pretraining = vit_s8 + bf16 + [
    'train_dataloader.dataset.crop_size=64',
    'train_dataloader.batch_size=256',
    'train_cfg.max_epochs=200',
    'param_scheduler.0.warmup=20',
    'default_hooks.checkpoint.interval=10',
]
saim = pretraining + ['test_dataloader.dataset.crop_size=64']  # and its any-order test
knn = vit_s8 + ['test_dataloader.dataset.crop_size=64']
probe = [  # the frozen encoder that computes the features of each split, and its images
    'train_dataloader.dataset.encoder.backbone.arch.embed_dims=384',
    'train_dataloader.dataset.encoder.backbone.arch.num_layers=12',
    'train_dataloader.dataset.encoder.backbone.arch.num_heads=6',
    'train_dataloader.dataset.encoder.backbone.arch.feedforward_channels=1536',
    'train_dataloader.dataset.encoder.backbone.img_size=64',
    'train_dataloader.dataset.encoder.data_preprocessor.batch_crop.size=64',
    'train_dataloader.dataset.images.crop_size=64',
    'val_dataloader.dataset.encoder.backbone.arch.embed_dims=384',
    'val_dataloader.dataset.encoder.backbone.arch.num_layers=12',
    'val_dataloader.dataset.encoder.backbone.arch.num_heads=6',
    'val_dataloader.dataset.encoder.backbone.arch.feedforward_channels=1536',
    'val_dataloader.dataset.encoder.backbone.img_size=64',
    'val_dataloader.dataset.encoder.data_preprocessor.batch_crop.size=64',
    'val_dataloader.dataset.images.crop_size=64',
    'model.head.in_channels=384',
]

cfg_options = {
    'pretrain_saim.py': saim,
    'pretrain_saim-raster.py': saim,
    'pretrain_saim-light.py': saim + [
        'model.neck.embed_dims=192', 'model.neck.num_heads=3', 'model.neck.depth=4'
    ],
    'pretrain_vit-igpt.py': saim,
    'pretrain_mae.py': pretraining + [
        'model.neck.num_patches=64',
        'model.neck.embed_dim=384',
        'model.neck.decoder_embed_dim=256',
        'model.neck.decoder_depth=8',
        'model.neck.decoder_num_heads=8',
    ],
    'eval_knn.py': knn,
    'eval_knn-blocks.py': knn + ['model.backbone.out_indices=[0,1,2,3,4,5,6,7,8,9,10,11]'],
    'eval_linear-cls.py': probe + ['model.neck.input_features=384'],
    'eval_linear-patch-mean.py': probe + ['model.neck.input_features=384'],
    'eval_attentive.py': probe + ['model.neck.in_channels=384', 'model.neck.num_heads=6'],
    'eval_finetune.py': vit_s8 + bf16 + [
        'model.head.in_channels=384',
        'train_dataloader.dataset.crop_size=64',
        'val_dataloader.dataset.crop_size=64',
        'train_dataloader.batch_size=256',
        'train_cfg.max_epochs=50',
        'train_cfg.val_interval=50',
        'param_scheduler.0.warmup=5',
        'default_hooks.checkpoint.interval=10',
    ],
}
