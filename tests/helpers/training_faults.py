"""Faults that tests inject into a ``tools/train.py`` run through ``custom_imports``."""
import math
import os
import os.path as osp
import signal

import torch
from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from .tool_runs import FOLDER_CONFIG


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILL the process after training iteration ``iteration`` (1-based, whole run)."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillDuringSaveHook(Hook):
    """SIGKILL the process half-way through writing the checkpoint ``filename``."""

    def __init__(self, filename: str):
        original = LocalBackend.put

        def put(backend, obj, filepath):
            if osp.basename(str(filepath)).startswith(filename):
                with open(filepath, 'wb') as f:
                    f.write(obj[:len(obj) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            return original(backend, obj, filepath)

        LocalBackend.put = put


@HOOKS.register_module()
class DivergeAtIterHook(Hook):
    """The update of training iteration ``iteration`` (1-based) diverges: every weight is NaN
    after it, before any hook saves them; the loss of the next iteration is NaN."""
    priority = 'HIGHEST'

    def __init__(self, iteration: int):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.iteration:
            with torch.no_grad():
                for param in runner.model.parameters():
                    param.fill_(math.nan)


FAULTS = "custom_imports = dict(imports=['mmsaim', 'tests.helpers.training_faults'])\n"


def fault_config(tmp_path, *hooks):
    """The folder demo config with ``hooks`` (from tests.helpers.training_faults) added."""
    path = tmp_path / f'faults_{len(list(tmp_path.glob("faults_*")))}.py'
    path.write_text(f'_base_ = [{FOLDER_CONFIG!r}]\n{FAULTS}'
                    f"custom_hooks = [dict(type='FiniteLossHook'), *{list(hooks)!r}]\n")
    return str(path)
