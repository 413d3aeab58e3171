import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.test_models.helpers import build_tiny_saim

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='session')
def demo_saim_checkpoint(tmp_path_factory):
    """A pretraining checkpoint with the demo encoder's shape (width 192, 6 blocks, p8)."""
    model = build_tiny_saim(embed_dims=192, depth=6, num_heads=3, img_size=64, patch_size=8)
    path = tmp_path_factory.mktemp('saim') / 'saim_demo.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def run_tool(tool, *args):
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', tool), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PYTHONUNBUFFERED='1'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def loader_overrides(*loaders):
    return [f'{loader}.{key}' for loader in loaders
            for key in ('num_workers=0', 'persistent_workers=False')]
