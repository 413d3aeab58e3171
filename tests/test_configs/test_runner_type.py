"""Every runnable config trains with SafeRunner, whichever OpenMMLab train.py runs it
(they all build a config's runner_type from the RUNNERS registry)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import RUNNERS

from mmsaim.runner import SafeRunner
from tests.helpers.tool_runs import ROOT

# Every config but the bases and the representation benchmark's presets (lists of
# --cfg-options for its configs).
CONFIGS = sorted(path for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                                            recursive=True)
                 if '/_base_/' not in path and '/imagenette/presets/' not in path)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_trains_with_the_safe_runner(path):
    cfg = Config.fromfile(path)
    assert RUNNERS.get(cfg.runner_type) is SafeRunner
