"""One line, instead of a block per parameter, for how ``init_weights`` initialized a model."""
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

import torch.nn as nn
from mmengine.logging import MMLogger


def init_summary(model: nn.Module) -> str:
    """How ``init_weights`` initialized the parameters, counted by the way it did."""
    ways = Counter(model._params_init_info[p]['init_info'].strip().splitlines()[0]
                   for p in model.parameters())
    return (f'init_weights of {type(model).__name__}: {sum(ways.values())} parameter tensors; '
            + '; '.join(f'{n} {way}' for way, n in ways.most_common()))


@contextmanager
def summarized_init_report(model: nn.Module) -> Iterator[None]:
    """While the block calls ``model.init_weights()``, mmengine's report of every parameter
    (written into the log file, or logged at INFO without one) is one summary line."""
    model._dump_init_info = lambda: MMLogger.get_current_instance().info(init_summary(model))
    try:
        yield
    finally:
        model.__dict__.pop('_dump_init_info', None)
