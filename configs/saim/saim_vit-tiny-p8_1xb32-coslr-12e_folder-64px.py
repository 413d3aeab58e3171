# The demo recipe on any folder of images (searched recursively, labels ignored). The folder
# comes from the environment variable SAIM_DATA, which must be set:
#   SAIM_DATA=/path/to/images python tools/train.py THIS_CONFIG
# The test (tools/test.py) is the pretraining loss on the same folder; for held-out images add
#   --cfg-options test_dataloader.dataset.data_root=/path/to/other/images
_base_ = ['./saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root='{{$SAIM_DATA:}}',
        with_label=False,
        pipeline={{_base_.train_pipeline}}))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root='{{$SAIM_DATA:}}',
        with_label=False,
        pipeline={{_base_.test_pipeline}}))
