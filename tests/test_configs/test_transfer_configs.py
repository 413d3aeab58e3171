"""Transfer configs build (backbone, neck, layer decay) and load SAIM encoders."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmsaim.apis import publish_checkpoint
from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import ROOT

COCO = osp.join(ROOT, 'configs/mask_rcnn/mask-rcnn_vit-base-p16-saim-pre_lsj-1024-32xb2-100e_coco.py')
ADE = osp.join(ROOT, 'configs/upernet/upernet_vit-base-p16-saim-pre_8xb2-160k_ade20k-512x512.py')


@pytest.mark.parametrize('config,scope', [(COCO, 'mmdet'), (ADE, 'mmseg')], ids=['coco', 'ade'])
def test_full_size_transfer_config_builds(config, scope):
    cfg = Config.fromfile(config)  # runs custom_imports (mmsaim.det / mmsaim.seg)
    init_default_scope(scope)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS'])
    cfg.model.backbone.init_cfg = None
    if scope == 'mmseg':
        for head in ('decode_head', 'auxiliary_head'):
            cfg.model[head].norm_cfg = dict(type='BN', requires_grad=True)  # no SyncBN on CPU
    model = registry.MODELS.build(cfg.model)
    backbone = model.backbone
    assert type(backbone).__name__ == 'SAIMWindowedViT' and len(backbone.layers) == 12
    assert backbone.patch_resolution == (14, 14)  # position embeddings made at 224
    assert backbone.layers[0].attn.out_drop.drop_prob == 0  # drop path grows with depth
    assert backbone.layers[11].attn.out_drop.drop_prob == pytest.approx(0.1)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale')
    from mmengine.optim import build_optim_wrapper
    groups = build_optim_wrapper(model, cfg.optim_wrapper).optimizer.param_groups
    rate = cfg.optim_wrapper.paramwise_cfg.layer_decay_rate
    lr = {g['param_name']: g['lr'] for g in groups}
    assert lr['backbone.layers.11.attn.qkv.weight'] == pytest.approx(
        cfg.optim_wrapper.optimizer.lr * rate)
    if scope == 'mmdet':
        assert backbone.global_attn_indices == {2, 5, 8, 11} and backbone.window_size == 14
        assert backbone.rel_pos_bias is not None
        assert type(model.neck).__name__ == 'SAIMSimpleFeaturePyramid' and model.neck.num_outs == 5
        assert cfg.val_evaluator.metric == ['bbox', 'segm']
    else:
        assert list(backbone.out_indices) == [3, 5, 7, 11]
        assert type(model.neck).__name__ == 'MultiLevelNeck' and model.neck.scales == [4, 2, 1, 0.5]
        assert cfg.model.test_cfg.mode == 'slide' and cfg.train_cfg.max_iters == 160000


IMAGENETTE = [
    ('configs/mask_rcnn/mask-rcnn_vit-tiny-p8-saim-imagenette_1xb2-300it_droplets.py', 'mmdet'),
    ('configs/upernet/upernet_vit-tiny-p8-saim-imagenette_1xb4-500it_camvid-160x160.py', 'mmseg'),
]


@pytest.mark.parametrize('config,scope', IMAGENETTE, ids=['droplets', 'camvid'])
def test_imagenette_checkpoint_loads_and_interpolates(config, scope, tmp_path):
    """The benchmark's published 32 px encoder loads whole and runs on larger inputs."""
    saim = build_tiny_saim(embed_dims=192, depth=6, num_heads=3, img_size=32, patch_size=8)
    checkpoint = publish_checkpoint(dict(state_dict=saim.state_dict()), str(tmp_path / 's.pth'))
    cfg = Config.fromfile(osp.join(ROOT, config))
    # the fixed name the benchmark driver links to the published file
    assert cfg.model.backbone.init_cfg.checkpoint == (
        'work_dirs/representation_benchmark_cpu/checkpoints/saim.pth')
    cfg.model.backbone.init_cfg.checkpoint = checkpoint
    init_default_scope(scope)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS'])
    backbone = registry.MODELS.build(cfg.model.backbone)
    backbone.init_weights()
    encoder = {k[len('backbone.'):]: v for k, v in saim.state_dict().items()
               if k.startswith('backbone.')}
    state = backbone.state_dict()
    # the final norm and the cls token are not used by dense tasks
    assert set(encoder) - set(state) <= {'ln1.weight', 'ln1.bias', 'cls_token'}
    for name in set(encoder) & set(state) - {'pos_embed'}:
        torch.testing.assert_close(state[name], encoder[name], rtol=0, atol=0)
    torch.testing.assert_close(state['pos_embed'], encoder['pos_embed'][:, 1:], rtol=0, atol=0)
    backbone.eval()
    with torch.no_grad():
        outs = backbone(torch.randn(1, 3, 48, 80))
    assert outs[-1].shape[-2:] == (6, 10)  # 8x8 patches of the 48x80 input
