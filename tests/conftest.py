import logging

import pytest
from mmengine.logging import MMLogger

import mmsaim  # noqa: F401  (stack fixes and registrations)


@pytest.fixture(autouse=True)
def quiet_mmengine():
    """Keep the per-parameter init reports of mmengine out of the test output."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)
