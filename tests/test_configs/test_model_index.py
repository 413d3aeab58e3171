"""mmpretrain's model hub finds mmsaim's configs once mmsaim is imported; the metafiles are
true, for the SAIM, Mask R-CNN and UperNet configs alike."""
import glob
import os.path as osp

import pytest
import torch
from mmpretrain import get_model, list_models

from tests.helpers.model_index import index_models, metafiles, read_yaml
from tests.helpers.tool_runs import ROOT, import_tool

DEMO = 'saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px'
# The models of the transfer configs, by the folder of their configs.
TRANSFER_MODELS = {'configs/mask_rcnn': 'MaskRCNN', 'configs/upernet': 'EncoderDecoder'}


def transfer_models():
    return {name: meta for name, meta in index_models().items()
            if osp.dirname(meta['Config']) in TRANSFER_MODELS}


def test_the_index_imports_every_metafile_and_each_names_its_readme():
    found = glob.glob('configs/**/metafile.yml', root_dir=ROOT, recursive=True)
    assert sorted(metafiles()) == sorted(found)
    assert set(osp.dirname(m) for m in found) >= {'configs/saim', *TRANSFER_MODELS}
    for metafile in found:
        for collection in read_yaml(metafile)['Collections']:
            assert collection['README'] == osp.join(osp.dirname(metafile), 'README.md')
            assert osp.isfile(osp.join(ROOT, collection['README']))


def test_every_metafile_model_is_listed_with_its_config():
    models = index_models()
    assert list_models('*saim*') == sorted(models)
    for name, meta in models.items():
        assert osp.isfile(osp.join(ROOT, meta['Config'])), meta['Config']
        assert osp.dirname(meta['Config']).startswith(osp.dirname(meta['_metafile']))
        assert osp.basename(meta['Config']) == name + '.py'
        assert meta['Results'] is None  # nothing trained at the paper's scale
        assert meta['Weights'] == 'mmsaim-unpublished://' + name  # no weights published


def test_get_model_builds_the_demo_and_loads_a_checkpoint(tmp_path):
    model = get_model(DEMO)
    assert type(model).__name__ == 'SAIM'
    torch.manual_seed(0)
    weights = {k: torch.randn_like(v) for k, v in model.state_dict().items()}
    torch.save({'state_dict': weights}, tmp_path / 'demo.pth')
    loaded = get_model(DEMO, pretrained=str(tmp_path / 'demo.pth'))
    for name, value in loaded.state_dict().items():
        torch.testing.assert_close(value, weights[name], rtol=0, atol=0, msg=name)


def test_metafile_numbers_are_the_demo_models():
    get_flops = import_tool('analysis/get_flops.py')
    meta = index_models()[DEMO]['Metadata']
    model = get_model(DEMO)
    assert meta['Parameters'] == sum(p.numel() for p in model.parameters())
    (_, backbone, encode), _ = get_flops.parts_to_count(model)
    assert meta['FLOPs'] == get_flops.count(backbone, encode, torch.randn(1, 3, 64, 64)).total()


@pytest.mark.parametrize('name', sorted(transfer_models()))
def test_get_model_builds_the_detection_and_segmentation_models(name):
    meta = transfer_models()[name]
    with torch.device('meta'):  # built, not initialized
        model = get_model(name)
    assert type(model).__name__ == TRANSFER_MODELS[osp.dirname(meta['Config'])]
    assert meta['Metadata']['Parameters'] == sum(p.numel() for p in model.parameters())


def test_get_model_with_pretrained_true_says_that_no_weights_are_published():
    name = 'mask-rcnn_vit-tiny-p8-saim-demo_1xb2-300it_droplets'
    with pytest.raises(FileNotFoundError, match=f'No weights are published for {name}: pass '
                       'pretrained=PATH with a checkpoint you made by training its config'):
        get_model(name, pretrained=True)
