"""The publish step: weights and plain metadata only, named by its hash, loadable by a stock
mmpretrain VisionTransformer in a process that never imported mmsaim."""
import hashlib
import os.path as osp
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from mmsaim.apis import plain_meta, publish_checkpoint
from mmsaim.fileio import CheckpointError
from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import ROOT

ARCH = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=128)


def training_checkpoint(path):
    """What a training run saves: weights, an optimizer, a message hub, mixed metadata."""
    model = build_tiny_saim()
    optimizer = torch.optim.AdamW(model.parameters())
    model.loss(torch.randn(2, 3, 32, 32), None)['loss'].backward()
    optimizer.step()
    hub = MessageHub.get_instance('publish_test')
    hub.update_scalar('train/loss', 0.5)
    torch.save(dict(meta=dict(epoch=3, seed=np.int64(7), cfg='model = dict()',
                              dataset_meta=dict(classes=('a', 'b'))),
                    state_dict=model.state_dict(), optimizer=optimizer.state_dict(),
                    message_hub=hub.state_dict(), param_schedulers=[dict(last_step=3)]), path)
    return model.state_dict()


def test_plain_meta_keeps_plain_values_only():
    meta = plain_meta(dict(a=1, b=np.float32(0.5), c=('x', [1, None]), d=object(),
                           e=dict(f=torch.zeros(1))))
    assert meta == dict(a=1, b=0.5, c=['x', [1, None]])


@pytest.mark.slow
def test_published_file_loads_into_stock_vit_without_mmsaim(tmp_path):
    state = training_checkpoint(tmp_path / 'epoch_3.pth')
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/model_converters/publish_model.py'),
         str(tmp_path / 'epoch_3.pth'), str(tmp_path / 'saim_tiny.pth')],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    published = proc.stdout.strip().splitlines()[-1]
    with open(published, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert osp.basename(published) == f'saim_tiny-{digest[:8]}.pth'

    checkpoint = torch.load(published, map_location='cpu', weights_only=True)
    assert set(checkpoint) == {'state_dict', 'meta'}
    # The config text is left out: mmengine executes the config text it finds in a file.
    assert checkpoint['meta'] == dict(epoch=3, seed=7, dataset_meta=dict(classes=['a', 'b']))
    encoder = {k: v for k, v in state.items() if k.startswith('backbone.')}
    torch.save(encoder, tmp_path / 'encoder.pth')

    check = textwrap.dedent(f"""
        import sys
        import torch
        from mmpretrain.models import VisionTransformer
        try:
            torch.load({str(tmp_path / 'epoch_3.pth')!r}, weights_only=True)
            raise SystemExit('the training checkpoint itself loaded with weights_only')
        except torch.serialization.pickle.UnpicklingError:
            pass
        vit = VisionTransformer(arch={ARCH!r}, img_size=32, patch_size=8, init_cfg=dict(
            type='Pretrained', checkpoint={published!r}, prefix='backbone.'))
        vit.init_weights()
        encoder = torch.load({str(tmp_path / 'encoder.pth')!r}, weights_only=True)
        for name, value in vit.state_dict().items():
            assert torch.equal(value, encoder['backbone.' + name]), name
        assert not [m for m in sys.modules if m.startswith('mmsaim')]
        print('loaded', len(vit.state_dict()))
        """)
    proc = subprocess.run([sys.executable, '-c', check], capture_output=True, text=True,
                          timeout=300, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'loaded' in proc.stdout


def test_publish_refuses_a_checkpoint_that_could_run_code(tmp_path):
    """Publishing reads its input through the safe loader: no unpickled callables."""
    torch.save(dict(state_dict={}, meta=dict(hook=print)), tmp_path / 'crafted.pth')
    with pytest.raises(CheckpointError, match='holds print'):
        publish_checkpoint(str(tmp_path / 'crafted.pth'), str(tmp_path / 'out.pth'))
    assert not list(tmp_path.glob('out*'))
