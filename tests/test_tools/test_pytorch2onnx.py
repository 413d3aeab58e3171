"""tools/deployment/pytorch2onnx.py: the exported encoder gives PyTorch's features in ONNX Runtime."""
import re

import onnxruntime
import pytest
import torch
from mmengine.config import Config

from tests.helpers.models import build_tiny_saim, tiny_saim_cfg
from tests.helpers.tool_runs import run_tool_in_process as run_tool
from tests.helpers.tool_runs import tool_error

SHAPES = {'raw': (3, 17, 32), 'featmap': (3, 32, 4, 4), 'cls_token': (3, 32)}


@pytest.fixture(scope='module')
def tiny_config_and_checkpoint(tmp_path_factory):
    """A tiny SAIM config file and a checkpoint of it with random weights everywhere."""
    tmp = tmp_path_factory.mktemp('onnx')
    config = tmp / 'tiny_saim.py'
    Config(dict(model=tiny_saim_cfg(depth=2), default_scope='mmpretrain',
                custom_imports=dict(imports=['mmsaim']))).dump(str(config))
    torch.manual_seed(0)
    model = build_tiny_saim(depth=2)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.2 * torch.randn_like(param))
    checkpoint = tmp / 'saim.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    return config, checkpoint, model.backbone


@pytest.mark.slow
@pytest.mark.parametrize('out_type', list(SHAPES))
def test_onnx_encoder_matches_pytorch(tiny_config_and_checkpoint, tmp_path, out_type):
    config, checkpoint, backbone = tiny_config_and_checkpoint
    onnx_file = tmp_path / 'encoder.onnx'
    run_tool('deployment/pytorch2onnx.py', config, checkpoint, '--out', onnx_file,
             '--out-type', out_type, '--verify')
    images = torch.randn(3, 3, 32, 32)  # exported with a batch of one: the batch is dynamic
    session = onnxruntime.InferenceSession(str(onnx_file), providers=['CPUExecutionProvider'])
    (features, ) = session.run(None, {'images': images.numpy()})
    backbone.out_type = out_type
    backbone.eval()
    with torch.no_grad():
        (expected, ) = backbone(images)
    assert features.shape == SHAPES[out_type]
    torch.testing.assert_close(torch.from_numpy(features), expected, rtol=0, atol=1e-5)


def test_checkpoint_of_another_shape_is_refused(tiny_config_and_checkpoint, tmp_path):
    config, _, _ = tiny_config_and_checkpoint
    other = tmp_path / 'other.pth'
    torch.save({'state_dict': build_tiny_saim(depth=1).state_dict()}, other)
    line = tool_error('deployment/pytorch2onnx.py', config, other, '--out', tmp_path / 'x.onnx')
    assert re.search(r'does not fit the encoder of .*missing \[.layers\.1', line), line
