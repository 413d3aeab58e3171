"""The pretraining configs' optimizer constructor: mmengine's parameter groups, logged as one
line at the default level and per parameter only at DEBUG."""
import logging

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor

from mmsaim.apis import init_model
from mmsaim.engine.optimizers import SummarizedOptimWrapperConstructor
from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import FOLDER_CONFIG


class Records(logging.Handler):
    """The messages a handler at ``level`` (as the Runner's console and file handlers)
    receives."""

    def __init__(self, level):
        super().__init__(level)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def logged(monkeypatch):
    """What the current MMLogger hands to an INFO and to a DEBUG handler."""
    logger = MMLogger.get_current_instance()
    monkeypatch.setattr(logger, 'level', logging.DEBUG)
    info, debug = Records(logging.INFO), Records(logging.DEBUG)
    logger.addHandler(info)
    logger.addHandler(debug)
    yield info.messages, debug.messages
    logger.removeHandler(info)
    logger.removeHandler(debug)


def test_same_groups_as_mmengine_and_one_summary_line(logged):
    optim_wrapper = Config.fromfile(FOLDER_CONFIG).optim_wrapper.to_dict()
    assert optim_wrapper.pop('constructor') == 'SummarizedOptimWrapperConstructor'
    paramwise_cfg = optim_wrapper.pop('paramwise_cfg')
    model = build_tiny_saim()
    mmengine_groups = DefaultOptimWrapperConstructor(optim_wrapper, paramwise_cfg)(
        model).optimizer.param_groups
    info, debug = logged
    info.clear(), debug.clear()
    groups = SummarizedOptimWrapperConstructor(optim_wrapper, paramwise_cfg)(
        model).optimizer.param_groups
    assert [(g['params'], g['weight_decay']) for g in groups] == [
        (g['params'], g['weight_decay']) for g in mmengine_groups]

    per_parameter = [m for m in debug if m.startswith('paramwise_options -- ')]
    assert len(per_parameter) > len(groups)  # every setting of every custom parameter
    frozen = ['backbone.pos_embed', 'backbone.ln1.weight', 'backbone.ln1.bias']
    assert [m for m in debug if 'requires_grad=False' in m] == [
        f'{name} is skipped since its requires_grad=False' for name in frozen]
    assert info == [
        f"paramwise_cfg: {len(groups)} parameter tensors: "
        f"{sum(g['weight_decay'] == 0.05 for g in groups)} with the optimizer's own settings; "
        f"{sum(g['weight_decay'] == 0 for g in groups)} with decay_mult=0.0, lr=0.0015, "
        f"weight_decay=0.0; frozen, left out: {', '.join(frozen)} "
        "(each parameter's settings: log_level='DEBUG')"]


def test_init_model_without_checkpoint_logs_no_line_per_parameter(logged):
    info, _ = logged
    init_model(FOLDER_CONFIG)
    assert not any(' - torch.Size(' in m for m in info), info[:3]
