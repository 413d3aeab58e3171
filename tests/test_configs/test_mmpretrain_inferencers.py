"""mmpretrain's own inference entry points work with mmsaim's configs and checkpoints:
``FeatureExtractor`` (pretraining, fine-tune and linear-probe configs),
``ImageClassificationInferencer`` (fine-tune and linear probe) and ``get_model``."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain import FeatureExtractor, ImageClassificationInferencer, get_model

from mmsaim.apis import extract_features, init_model
from tests.helpers.tool_runs import ROOT, write_images

DEMO_NAME = 'saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px'
DEMO = osp.join(ROOT, 'configs/saim', DEMO_NAME + '.py')
FINETUNE = osp.join(ROOT, 'configs/saim/benchmarks/vit-base-p16_saim-pre_8xb128-coslr-100e_in1k.py')
LINEAR = osp.join(ROOT,
                  'configs/saim/benchmarks/vit-base-p16_saim-pre_8xb256-linear-coslr-90e_in1k.py')
CLASSES = ['ant', 'bee', 'wasp']


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('images')
    write_images(folder, count=3)
    return [str(folder / f'{i}.jpg') for i in range(3)]


@pytest.fixture(scope='module')
def demo_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = get_model(DEMO)
    model.init_weights()
    path = tmp_path_factory.mktemp('demo') / 'demo.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.mark.parametrize('model', [DEMO, DEMO_NAME], ids=['config', 'name'])
def test_feature_extractor_on_the_pretraining_config_gives_mmsaims_features(
        model, images, demo_checkpoint):
    """The encoder's patch-token map; its mean is extract_features(kind='mean')."""
    features = FeatureExtractor(model, pretrained=demo_checkpoint, device='cpu')(images)
    assert [f[0].shape for f in features] == [(192, 8, 8)] * 3
    expected = extract_features(init_model(DEMO, demo_checkpoint), images, kind='mean')
    torch.testing.assert_close(torch.stack([f[0].mean((1, 2)) for f in features]), expected)


def tiny_classifier_cfg(path: str) -> Config:
    """The fine-tune or linear-probe config at width 32, 2 blocks, 32 px, 3 classes."""
    cfg = Config.fromfile(path)
    backbone = cfg.model.backbone
    backbone.arch = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    backbone.img_size, backbone.init_cfg = 32, None
    if backbone.get('frozen_stages'):
        backbone.frozen_stages = 2
    if cfg.model.neck is not None:
        cfg.model.neck.input_features = 32
    cfg.model.head.update(in_channels=32, num_classes=len(CLASSES))
    for transform in cfg.test_dataloader.dataset.pipeline:
        if transform.type == 'ResizeEdge':
            transform.scale = 36
        elif transform.type == 'CenterCrop':
            transform.crop_size = 32
    return cfg


@pytest.mark.parametrize('path', [FINETUNE, LINEAR], ids=['finetune', 'linear'])
def test_classification_inferencer_and_feature_extractor_on_classifier_configs(
        path, images, tmp_path):
    cfg = tiny_classifier_cfg(path)
    torch.manual_seed(0)
    trained = get_model(cfg)
    trained.init_weights()
    checkpoint = str(tmp_path / 'classifier.pth')
    torch.save({'state_dict': trained.state_dict(),
                'meta': {'dataset_meta': {'classes': CLASSES}}}, checkpoint)

    results = ImageClassificationInferencer(cfg, pretrained=checkpoint, device='cpu')(images)
    model = get_model(cfg, pretrained=checkpoint)
    batch = FeatureExtractor(model).preprocess(images, batch_size=3)  # the test pipeline
    scores = model.test_step(next(batch))
    for result, sample in zip(results, scores):
        torch.testing.assert_close(torch.as_tensor(result['pred_scores']), sample.pred_score)
        assert result['pred_class'] == CLASSES[result['pred_label']]

    features = FeatureExtractor(cfg, pretrained=checkpoint, device='cpu')(images)
    assert [f[0].shape for f in features] == [(32, )] * 3


def test_get_model_with_a_config_file_loads_the_checkpoint(tmp_path):
    cfg = tiny_classifier_cfg(FINETUNE)
    cfg_file = str(tmp_path / 'finetune.py')
    cfg.dump(cfg_file)
    torch.manual_seed(1)
    trained = get_model(cfg_file)
    trained.init_weights()
    torch.save({'state_dict': trained.state_dict()}, tmp_path / 'weights.pth')
    loaded = get_model(cfg_file, pretrained=str(tmp_path / 'weights.pth'))
    for name, value in trained.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], value, rtol=0, atol=0)


def test_pretrained_true_says_no_weights_are_published_and_how_to_make_them():
    with pytest.raises(FileNotFoundError) as error:
        get_model(DEMO_NAME, pretrained=True)
    message = str(error.value)
    assert f'No weights are published for {DEMO_NAME}' in message
    for step in ('pretrained=PATH', 'tools/train.py', 'publish_model.py', 'saim_to_mmsaim.py',
                 'timm_to_mmsaim.py', 'pretrained=False'):
        assert step in message
    with pytest.raises(FileNotFoundError, match='No weights are published'):
        FeatureExtractor(DEMO_NAME)  # the inferencers' default is pretrained=True
    assert type(get_model(DEMO_NAME, pretrained=False)).__name__ == 'SAIM'
