# The demo recipe on a folder of images (searched recursively, labels ignored): by default
# the bundled CamVid frames (demo_data/camvid), which `make demo` trains on. Another folder:
#   python tools/train.py THIS_CONFIG --cfg-options train_dataloader.dataset.data_root=DIR
# The test (tools/test.py) is the pretraining loss on the test loader's folder, the same
# frames by default; held-out images:
#   python tools/test.py THIS_CONFIG CKPT --cfg-options test_dataloader.dataset.data_root=DIR2
_base_ = ['./saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root='demo_data/camvid',
        with_label=False,
        pipeline={{_base_.train_pipeline}}))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root='demo_data/camvid',
        with_label=False,
        pipeline={{_base_.test_pipeline}}))
