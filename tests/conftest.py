import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

import mmsaim  # noqa: F401  (stack fixes and registrations)
from tests.helpers.models import build_tiny_saim


@pytest.fixture(autouse=True)
def quiet_mmengine():
    """Keep the per-parameter init reports of mmengine out of the test output."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    """Each test starts in mmpretrain's scope; a test that moves to mmdet's or mmseg's
    (``init_default_scope``) leaves no trace for the next one."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


@pytest.fixture(scope='session')
def demo_saim_checkpoint(tmp_path_factory):
    """A pretraining checkpoint with the demo encoder's shape (width 192, 6 blocks, p8)."""
    model = build_tiny_saim(embed_dims=192, depth=6, num_heads=3, img_size=64, patch_size=8)
    path = tmp_path_factory.mktemp('saim') / 'saim_demo.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)
