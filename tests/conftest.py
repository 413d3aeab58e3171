import logging

import pytest
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

import mmsaim  # noqa: F401  (stack fixes and registrations)


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
