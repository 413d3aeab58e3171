"""Moving log records that the OpenMMLab stack writes on every run, and that ask nothing of
the user, to the DEBUG level."""
import logging
import re
from contextlib import contextmanager
from typing import Iterator


class _AtDebugLevel(logging.Filter):
    """Turns the records whose message matches ``pattern`` into DEBUG records: handlers at
    INFO (the default ``log_level``) drop them, a run with ``log_level='DEBUG'`` keeps
    them."""

    def __init__(self, pattern: re.Pattern):
        super().__init__()
        self.pattern = pattern

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pattern.search(str(record.msg)):
            record.levelno, record.levelname = logging.DEBUG, 'DEBUG'
        return True


@contextmanager
def logged_at_debug(logger: logging.Logger, pattern: re.Pattern) -> Iterator[None]:
    """Within the block, ``logger`` writes its records whose message matches ``pattern`` at
    the DEBUG level."""
    at_debug = _AtDebugLevel(pattern)
    logger.addFilter(at_debug)
    try:
        yield
    finally:
        logger.removeFilter(at_debug)
