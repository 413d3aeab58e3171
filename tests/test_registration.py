"""mmsaim's components are reachable from configs and clash with no OpenMMLab name."""
import pytest
import subprocess
import sys

from mmengine.config import Config
from mmengine.registry import init_default_scope

MMSAIM_MODELS = ('SAIM', 'SAIMViT', 'SAIMQueryDecoder', 'SAIMPixelHead',
                 'BatchCropSelfSupDataPreprocessor', 'BatchCropClsDataPreprocessor',
                 'FrozenEncoder', 'PrecomputedFeatures', 'AttentivePooling')


BLOCK_DOWNSTREAM = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('mmdet', 'mmseg'):
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)
sys.meta_path.insert(0, Block())
"""


@pytest.mark.slow
def test_pretraining_works_without_mmdet_and_mmseg():
    """The pretraining part never imports mmdet or mmseg: it runs with both absent."""
    code = BLOCK_DOWNSTREAM + (
        "import torch, mmsaim\n"
        "from mmpretrain.registry import MODELS\n"
        "m = MODELS.build(dict(type='SAIMViT', arch='tiny', img_size=32, patch_size=8))\n"
        "print('OK', sorted(k for k in sys.modules if k.split('.')[0] in ('mmdet', 'mmseg')))")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == 'OK []'


def test_custom_imports_register_into_mmpretrain(tmp_path):
    config = tmp_path / 'cfg.py'
    config.write_text("custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)\n"
                      "model = dict(type='SAIMViT', arch='tiny', img_size=32, patch_size=8)\n")
    cfg = Config.fromfile(str(config))  # runs the custom import
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    assert type(MODELS.build(cfg.model)).__module__.startswith('mmsaim.')
    for name in MMSAIM_MODELS:
        assert MODELS.get(name).__module__.startswith('mmsaim.'), name


def test_names_clash_with_no_openmmlab_module():
    import mmdet.models  # noqa: F401
    import mmpretrain.models  # noqa: F401
    import mmseg.models  # noqa: F401
    from mmdet.registry import MODELS as DET_MODELS
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    from mmseg.registry import MODELS as SEG_MODELS
    for name in MMSAIM_MODELS:
        owners = [r.get(name).__module__ for r in (PRETRAIN_MODELS, DET_MODELS, SEG_MODELS)
                  if r.get(name) is not None]
        assert owners and all(o.startswith('mmsaim.') for o in owners), (name, owners)


def test_downstream_names_in_mmdet_and_mmseg(tmp_path):
    import mmsaim.det  # noqa: F401
    import mmsaim.seg  # noqa: F401
    from mmdet.registry import MODELS as DET_MODELS
    from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS as DET_CONSTRUCTORS
    from mmseg.registry import MODELS as SEG_MODELS
    from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS as SEG_CONSTRUCTORS
    from mmsaim.models import SAIMWindowedViT
    assert DET_MODELS.get('SAIMWindowedViT') is SAIMWindowedViT is SEG_MODELS.get('SAIMWindowedViT')
    assert DET_MODELS.get('SAIMSimpleFeaturePyramid').__module__.startswith('mmsaim.')
    for registry in (DET_CONSTRUCTORS, SEG_CONSTRUCTORS):
        assert registry.get('SAIMLayerDecayOptimWrapperConstructor').__module__.startswith(
            'mmsaim.')


@pytest.mark.slow
def test_mmdet_part_does_not_import_mmseg():
    code = BLOCK_DOWNSTREAM.replace("('mmdet', 'mmseg')", "('mmseg', )") + (
        "import mmsaim.det\nprint('OK')")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith('OK'), proc.stderr[-2000:]
