"""A checkpoint given as a URL (or found in torch's download cache) is read like a local one:
crafted files served from a local HTTP server do nothing through any entry point, and a
plain checkpoint loads."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.runner import CheckpointLoader, Runner
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint

from mmsaim.fileio import CheckpointError, read_checkpoint
from mmsaim.fileio.checkpoint_sources import SOURCES, load_from_plain_data
from tests.helpers.crafted_checkpoints import PAYLOADS, write_payload
from tests.helpers.http_files import serve_folder
from tests.helpers.malformed_checkpoints import write_malformed
from tests.helpers.tool_runs import ROOT, run_python
from tests.helpers.toy_regression import Points, Regression

PIXEL = osp.join(ROOT, 'configs/saim/saim_vit-tiny-p8-pixel-target_1xb32-coslr-12e_demo-64px.py')
# Payloads that run code or crash a trusting reader (the config text is plain data).
EXPLOITS = sorted(set(PAYLOADS) - {'config text'})


@pytest.fixture()
def served(tmp_path, monkeypatch):
    """Every payload as ``<name>.pth`` on a local HTTP server, torch's download cache in a
    fresh folder; yields ``(base URL, folder of the files, marker file)``."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    folder, marker = tmp_path / 'served', tmp_path / 'pwned'
    folder.mkdir()
    for name in PAYLOADS:
        write_payload(name, folder / f'{name.replace(" ", "_")}.pth', marker)
    torch.save({'state_dict': Regression().state_dict()}, folder / 'regression.pth')
    with serve_folder(folder) as url:
        yield url, folder, marker


def _url(base, payload):
    return f'{base}/{payload.replace(" ", "_")}.pth'


def _toy_runner(work_dir, runner_class, **kwargs):
    return runner_class(
        model=Regression(), work_dir=str(work_dir), experiment_name=str(work_dir),
        train_dataloader=dict(dataset=Points(), batch_size=4, sampler=dict(
            type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=1), default_hooks=dict(checkpoint=None),
        **kwargs)


def _entry_points(url, tmp_path):
    """Every way a URL reaches a checkpoint loader in mmengine and mmpretrain."""
    from mmdet.models.backbones import ResNet
    from mmpretrain import get_model
    from mmpretrain.models import VisionTransformer
    from mmseg.models.backbones import VisionTransformer as SegViT

    from mmsaim.runner import SafeRunner
    return {
        'read_checkpoint': lambda: read_checkpoint(url),
        'CheckpointLoader': lambda: CheckpointLoader.load_checkpoint(url),
        'load_checkpoint': lambda: load_checkpoint(Regression(), url),
        'Runner load_from': lambda: _toy_runner(tmp_path / 'a', Runner, load_from=url).train(),
        'Runner resume': lambda: _toy_runner(tmp_path / 'b', Runner, load_from=url,
                                             resume=True).train(),
        'SafeRunner resume': lambda: _toy_runner(tmp_path / 'c', SafeRunner, load_from=url,
                                                 resume=True).train(),
        'get_model': lambda: get_model(PIXEL, pretrained=url),
        'Pretrained init': lambda: VisionTransformer(
            arch='deit-tiny', img_size=32, patch_size=8,
            init_cfg=dict(type='Pretrained', checkpoint=url, prefix='backbone.')).init_weights(),
        'mmseg ViT init': lambda: SegViT(
            img_size=32, patch_size=8, embed_dims=32, num_layers=1, num_heads=2,
            init_cfg=dict(type='Pretrained', checkpoint=url)).init_weights(),
        'mmdet ResNet init': lambda: ResNet(
            depth=18, init_cfg=dict(type='Pretrained', checkpoint=url)).init_weights(),
    }


@pytest.mark.parametrize('payload', EXPLOITS)
def test_crafted_checkpoint_from_a_url_does_nothing_anywhere(served, tmp_path, payload):
    base, _, marker = served
    url = _url(base, payload)
    for entry, load in _entry_points(url, tmp_path).items():
        with pytest.raises(CheckpointError, match=f'Refusing to load {url}'):
            load()
        assert not marker.exists(), entry


@pytest.mark.slow
def test_the_payloads_run_in_a_bare_mmengine(served, tmp_path):
    """Without mmsaim, mmengine downloads with torch's weights_only=False: the file runs."""
    base, _, marker = served
    script = ('from mmengine.runner.checkpoint import _load_checkpoint; '
              f'_load_checkpoint({_url(base, "pickled call")!r})')
    run_python(['-c', script], env=dict(TORCH_HOME=str(tmp_path / 'bare_torch_home')))
    assert marker.exists()


def test_config_text_from_a_url_is_dropped(served):
    base, _, marker = served
    checkpoint = _load_checkpoint(_url(base, 'config text'))
    assert 'config' not in checkpoint['meta'] and not marker.exists()


def test_a_file_in_torchs_download_cache_is_read_as_data(served, tmp_path):
    """torch's hub reuses a file of the URL's name in its cache without downloading it; that
    file is read as plain data too (here no server answers for the URL)."""
    _, folder, marker = served
    cache = tmp_path / 'torch_home' / 'hub' / 'checkpoints'
    cache.mkdir(parents=True)
    (cache / 'weights.pth').write_bytes((folder / 'pickled_call.pth').read_bytes())
    with pytest.raises(CheckpointError, match=r'Refusing to load http://127\.0\.0\.1:9/w/'
                       r'weights\.pth \(.*weights\.pth\): it holds (posix|nt)\.system'):
        _load_checkpoint('http://127.0.0.1:9/w/weights.pth')
    assert not marker.exists()


def test_a_plain_checkpoint_loads_from_a_url(served):
    base, folder, _ = served
    model = Regression()
    load_checkpoint(model, f'{base}/regression.pth')
    expected = torch.load(folder / 'regression.pth', weights_only=True)['state_dict']
    assert all(torch.equal(model.state_dict()[k], v) for k, v in expected.items())


def test_a_malformed_download_is_one_line(served):
    base, folder, _ = served
    write_malformed('top-level list', folder / 'list.pth')
    with pytest.raises(CheckpointError, match=r'list\.pth .*is not a checkpoint: it holds a '
                       r'list at its top level'):
        read_checkpoint(f'{base}/list.pth')


def test_a_hash_in_the_file_name_is_checked(served):
    """``name-<sha256 prefix>.pth`` (what publish_model writes) must match its download."""
    base, folder, _ = served
    os.rename(folder / 'regression.pth', folder / 'regression-0123abcd.pth')
    with pytest.raises(RuntimeError, match='invalid hash value'):
        read_checkpoint(f'{base}/regression-0123abcd.pth')


def test_every_scheme_mmengine_knows_is_read_as_plain_data():
    assert set(CheckpointLoader._schemes) == {'', 'mmsaim-unpublished://',
                                              *(prefix for prefix, *_ in SOURCES)}
    for prefix, loader in CheckpointLoader._schemes.items():
        if prefix != 'mmsaim-unpublished://':
            assert loader is load_from_plain_data, prefix


@pytest.mark.slow
def test_a_config_that_imports_mmsaim_makes_a_bare_runner_safe(served, tmp_path):
    """A process that never imports mmsaim itself: the config's custom_imports do."""
    base, _, marker = served
    config = tmp_path / 'toy.py'
    config.write_text("custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)\n")
    script = textwrap.dedent(f"""
        from mmengine.config import Config
        from mmengine.runner.checkpoint import _load_checkpoint
        Config.fromfile({str(config)!r})
        try:
            _load_checkpoint({_url(base, 'pickled call')!r})
        except Exception as e:
            print(type(e).__name__)
        """)
    proc = run_python(['-c', script], env=dict(TORCH_HOME=str(tmp_path / 'torch_home')))
    assert proc.stdout.strip().splitlines()[-1] == 'CheckpointError', proc.stderr[-2000:]
    assert not marker.exists()
