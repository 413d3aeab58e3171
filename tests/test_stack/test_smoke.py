"""The OpenMMLab stack works on CPU: Mask R-CNN (mmcv.ops nms/RoIAlign), UperNet, ViT."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config


def _mim_config(package: str, relpath: str) -> Config:
    module = __import__(package)
    return Config.fromfile(osp.join(osp.dirname(module.__file__), '.mim', 'configs', relpath))


def test_mask_rcnn_loss_and_predict():
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = _mim_config('mmdet', '_base_/models/mask-rcnn_r50_fpn.py').model
    cfg.backbone.init_cfg = None
    model = MODELS.build(cfg)
    model.init_weights()
    packed = demo_mm_inputs(2, image_shapes=[(3, 128, 160), (3, 128, 160)], num_classes=80,
                            with_mask=True)
    data = model.data_preprocessor(packed, training=True)
    losses = model(**data, mode='loss')
    for name in ('loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_mask'):
        assert name in losses
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v) for v in losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert model.backbone.layer4[0].conv1.weight.grad is not None

    model.eval()
    data = model.data_preprocessor(packed, training=False)
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert len(results) == 2
    pred = results[0].pred_instances
    assert pred.bboxes.shape[1] == 4
    assert pred.masks.shape[1:] == (128, 160)


def test_upernet_loss_and_predict():
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    from mmseg.utils import register_all_modules
    from mmengine.structures import PixelData
    register_all_modules()
    cfg = _mim_config('mmseg', '_base_/models/upernet_r50.py').model
    cfg.pretrained = None
    cfg.backbone.norm_cfg = dict(type='BN', requires_grad=True)
    for head in ('decode_head', 'auxiliary_head'):
        cfg[head].norm_cfg = dict(type='BN', requires_grad=True)
        cfg[head].num_classes = 5
    cfg.data_preprocessor.size = (64, 64)
    model = MODELS.build(cfg)
    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64),
                                             pad_shape=(64, 64)))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, 64, 64)))
        samples.append(sample)
    packed = dict(inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)] * 2,
                  data_samples=samples)
    data = model.data_preprocessor(packed, training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['decode.loss_ce']) and 'aux.loss_ce' in losses
    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(packed, training=False), mode='predict')
    assert results[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert int(results[0].pred_sem_seg.data.max()) < 5


def test_vit_classifier_loss():
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    from mmpretrain.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='VisionTransformer', arch='deit-tiny', img_size=32, patch_size=8),
        neck=None,
        head=dict(type='VisionTransformerClsHead', num_classes=3, in_channels=192)))
    inputs = torch.randn(2, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in (0, 2)]
    losses = model(inputs, samples, mode='loss')
    assert losses['loss'].item() == pytest.approx(-torch.log_softmax(
        model.head(model.extract_feat(inputs)), dim=1)[[0, 1], [0, 2]].mean().item(), rel=1e-5)
