"""What ``import mmsaim`` changes in torch, NumPy, mmengine and mmpretrain: its registrations
and mmengine's checkpoint loaders, nothing else."""
import pytest
import json
import os
import re
import subprocess
import sys
import textwrap

from mmsaim.fileio.checkpoint_sources import SOURCES

# The modules that `import mmsaim` imports besides its own: imported first, so that what
# their own import changes is not taken for mmsaim's doing.
DEPENDENCIES = textwrap.dedent("""
    import json, sys
    before = set(sys.modules)
    import mmsaim
    print(json.dumps([m for m in sys.modules if m not in before and m.split('.')[0] != 'mmsaim']))
    """)
SNAPSHOT = textwrap.dedent("""
    import importlib, json, logging, os, sys, warnings
    for name in json.loads(sys.argv[1]):
        importlib.import_module(name)
    import torch
    PACKAGES = ('torch', 'numpy', 'mmengine', 'mmpretrain')

    def attributes(obj):
        try:
            return dict(vars(obj))
        except TypeError:
            return {}

    def snapshot(modules):
        state = {}
        for name in modules:
            module = sys.modules[name]
            for attr, value in attributes(module).items():
                state[f'{name}.{attr}'] = id(value)
                if isinstance(value, type) and value.__module__ == name:
                    for member, inner in attributes(value).items():
                        key = f'{name}.{attr}.{member}'
                        state[key] = id(inner)
                        if isinstance(inner, dict):  # a class-level table, item by item
                            state[key] = 'a table'
                            for item, entry in inner.items():
                                state[f'{key}[{item!r}]'] = id(entry)
        state['sys.meta_path'] = repr([id(f) for f in sys.meta_path])
        state['sys.path_hooks'] = repr([id(h) for h in sys.path_hooks])
        state['os.environ'] = repr(sorted(os.environ.items()))
        state['warnings.filters'] = repr(warnings.filters)
        state['torch.threads'] = torch.get_num_threads()
        state['logging.root.level'] = logging.root.level
        return state

    before_modules = [m for m in list(sys.modules) if m.split('.')[0] in PACKAGES]
    before = snapshot(before_modules)
    import mmsaim
    after = snapshot(before_modules)
    print(json.dumps(sorted(k for k in {**before, **after} if before.get(k) != after.get(k))))
    """)

SCHEMES = 'mmengine.runner.checkpoint.CheckpointLoader._schemes'
# Each change `import mmsaim` makes outside mmsaim, and why (README: "What importing does").
EXPECTED_CHANGES = {
    # mmengine reads checkpoints from every source it knows as plain data (mmsaim.fileio).
    **{f"{SCHEMES}[{prefix!r}]": 'plain-data reader' for prefix in
       ['', *(prefix for prefix, *_ in SOURCES)]},
    # Registration: the loader of the configs' `Weights: mmsaim-unpublished://NAME`, which
    # says that no weights are published and how to make them.
    f"{SCHEMES}['mmsaim-unpublished://']": 'registration',
    # Registration: mmsaim's configs in mmpretrain's model hub (list_models, get_model).
    'mmpretrain.apis.model.ModelHub._models_dict[...]': 'registration',
}


def _grouped(changes):
    """The model hub's new entries (one per config) as one change."""
    return {re.sub(r"ModelHub\._models_dict\[.*\]$", 'ModelHub._models_dict[...]', c)
            for c in changes}


def _python(script, *args, **env):
    proc = subprocess.run([sys.executable, '-c', script, *args], capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, **env))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_changes(**env):
    return _grouped(_python(SNAPSHOT, json.dumps(_python(DEPENDENCIES, **env)), **env))


@pytest.mark.slow
def test_import_changes_only_the_registrations_and_the_loaders():
    assert import_changes() == set(EXPECTED_CHANGES)


@pytest.mark.slow
def test_a_bare_mmengine_cannot_read_its_runners_checkpoints(tmp_path):
    """With torch >= 2.6 (weights_only=True by default) mmengine cannot read a checkpoint
    that its own Runner wrote, whose HistoryBuffer torch's allowlist refuses; the plain-data
    reader can."""
    from mmengine.logging import MessageHub
    import torch
    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', 0.5)
    torch.save(dict(state_dict={}, message_hub=hub.state_dict()), tmp_path / 'ckpt.pth')
    probe = ('from mmengine.runner.checkpoint import _load_checkpoint; '
             f'_load_checkpoint({str(tmp_path / "ckpt.pth")!r}); print("loaded")')
    bare = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                          timeout=300)
    assert bare.returncode != 0 and 'HistoryBuffer' in bare.stderr
    fixed = subprocess.run([sys.executable, '-c', 'import mmsaim; ' + probe],
                           capture_output=True, text=True, timeout=300)
    assert fixed.returncode == 0 and 'loaded' in fixed.stdout, fixed.stderr[-2000:]
