"""mmpretrain's model hub finds mmsaim's configs once mmsaim is imported; the metafile is true."""
import os.path as osp

import torch
import yaml
from mmpretrain import get_model, list_models

from tests.helpers.tool_runs import import_tool
from tests.helpers.tool_runs import ROOT

DEMO = 'saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px'


def metafile_models():
    with open(osp.join(ROOT, 'configs/saim/metafile.yml')) as f:
        return {m['Name']: m for m in yaml.safe_load(f)['Models']}


def test_every_metafile_model_is_listed_with_its_config():
    models = metafile_models()
    assert list_models('*saim*') == sorted(models)
    for name, meta in models.items():
        assert osp.isfile(osp.join(ROOT, meta['Config'])), meta['Config']
        assert osp.basename(meta['Config']) == name + '.py'
        assert meta['Results'] is None  # nothing trained on ImageNet
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
    meta = metafile_models()[DEMO]['Metadata']
    model = get_model(DEMO)
    assert meta['Parameters'] == sum(p.numel() for p in model.parameters())
    (_, backbone, encode), _ = get_flops.parts_to_count(model)
    assert meta['FLOPs'] == get_flops.count(backbone, encode, torch.randn(1, 3, 64, 64)).total()
