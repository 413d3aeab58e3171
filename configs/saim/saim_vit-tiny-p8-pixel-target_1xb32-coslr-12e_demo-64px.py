# The demo recipe with pixel targets: head.norm_pix=False, so the model predicts each patch's
# smoothed pixels, normalized as the inputs are, instead of the patch normalized by its own
# mean and variance. Such predictions can be written back into an image, which autoregressive
# completion needs (mmsaim.apis.complete, tools/visualization/complete.py). It trains on the
# bundled CamVid frames (demo_data/camvid, as `make demo`), or on another folder:
#   python tools/train.py THIS_CONFIG [--cfg-options train_dataloader.dataset.data_root=DIR]
# The test (tools/test.py) is the pretraining loss on the same frames; held-out images:
#   python tools/test.py THIS_CONFIG CKPT --cfg-options test_dataloader.dataset.data_root=DIR2
_base_ = ['./saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py']

model = dict(head=dict(norm_pix=False))
train_dataloader = dict(
    dataset=dict(_delete_=True, type='CustomDataset', with_label=False,
                 data_root='demo_data/camvid', pipeline={{_base_.train_pipeline}}))
test_dataloader = dict(
    dataset=dict(_delete_=True, type='CustomDataset', with_label=False,
                 data_root='demo_data/camvid', pipeline={{_base_.test_pipeline}}))
