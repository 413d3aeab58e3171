# The demo recipe with pixel targets: head.norm_pix=False, so the model predicts each patch's
# smoothed pixels, normalized as the inputs are, instead of the patch normalized by its own
# mean and variance. Such predictions can be written back into an image, which autoregressive
# completion needs (mmsaim.apis.complete, tools/visualization/complete.py). It trains on the
# bundled CamVid frames (demo_data/camvid, as `make demo`), or on the folder in SAIM_DATA:
#   [SAIM_DATA=/path/to/images] python tools/train.py THIS_CONFIG
# The test (tools/test.py) is the pretraining loss on the same folder.
_base_ = ['./saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py']

model = dict(head=dict(norm_pix=False))
train_dataloader = dict(
    dataset=dict(_delete_=True, type='CustomDataset', with_label=False,
                 data_root='{{$SAIM_DATA:demo_data/camvid}}', pipeline={{_base_.train_pipeline}}))
test_dataloader = dict(
    dataset=dict(_delete_=True, type='CustomDataset', with_label=False,
                 data_root='{{$SAIM_DATA:demo_data/camvid}}', pipeline={{_base_.test_pipeline}}))
