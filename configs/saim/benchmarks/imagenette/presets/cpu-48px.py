# The CPU preset on 48 px crops: 36 patches of 8x8 per image instead of 16 (a raster order of
# 6 rows of 6 instead of 4 of 4), so that the prediction order has room to matter; the same
# encoder, 20 pretraining epochs at batch 128 and the same fine-tune. Pretraining a row costs
# about 2.3 times as much as under the CPU preset (docs/representation_benchmark.md gives
# the estimate per row). See ./cpu.py for what a preset sets.
device = 'cpu'

# The encoder and its crops, where a model holds them
model = ['model.backbone.img_size=48', 'model.data_preprocessor.batch_crop.size=48']
pretraining = model + ['train_dataloader.dataset.crop_size=48']
saim = pretraining + ['test_dataloader.dataset.crop_size=48']  # and its any-order test
knn = model + ['test_dataloader.dataset.crop_size=48']
probe = [  # the frozen encoder that computes the features of each split, and its images
    'train_dataloader.dataset.encoder.backbone.img_size=48',
    'train_dataloader.dataset.encoder.data_preprocessor.batch_crop.size=48',
    'train_dataloader.dataset.images.crop_size=48',
    'val_dataloader.dataset.encoder.backbone.img_size=48',
    'val_dataloader.dataset.encoder.data_preprocessor.batch_crop.size=48',
    'val_dataloader.dataset.images.crop_size=48',
]

cfg_options = {
    'pretrain_saim.py': saim,
    'pretrain_saim-raster.py': saim,
    'pretrain_saim-light.py': saim,
    'pretrain_vit-igpt.py': saim,
    'pretrain_mae.py': pretraining + ['model.neck.num_patches=36'],
    'eval_knn.py': knn,
    'eval_knn-blocks.py': knn,
    'eval_linear-cls.py': probe,
    'eval_linear-patch-mean.py': probe,
    'eval_attentive.py': probe,
    'eval_finetune.py': model + [
        'train_dataloader.dataset.crop_size=48', 'val_dataloader.dataset.crop_size=48'
    ],
}
