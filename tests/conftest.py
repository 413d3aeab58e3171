import logging
import os

# Before torch loads OpenMP: threads that spin while they wait make every step ~10x slower
# whenever another process holds one of the cores (a shared 2-core machine: this suite's
# representation-benchmark test went from 72 s to 7 s). Subprocesses inherit it.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import pytest  # noqa: E402
import torch  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402

import mmsaim  # noqa: F401,E402  (stack fixes and registrations)
from tests.helpers.models import build_tiny_saim  # noqa: E402


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


def pytest_collection_modifyitems(items):
    """The files with end-to-end runs first, each file's tests in their order: with ``-n 2
    --dist loadfile --no-loadscope-reorder`` the long files start at once and the short ones
    fill in around them, instead of a long file starting last and running alone."""
    end_to_end = {item.path for item in items if item.get_closest_marker('slow')}
    items.sort(key=lambda item: item.path not in end_to_end)
