"""Where the project's files beside the package are: ``configs/``, ``tools/`` and
``model-index.yml``.

An install from a wheel (``pip install .`` or the built wheel) carries them in the package,
in ``mmsaim/.mim`` (the layout of mmpretrain, mmdet and mmseg, which OpenMMLab's ``mim``
reads); an editable install (``tools/install.sh``) or a source checkout on ``PYTHONPATH``
reads them from the source tree.
"""
import os.path as osp

PACKAGE_ROOT = osp.dirname(osp.abspath(__file__))
# The source tree's root; where work_dirs/ and data/ live in a checkout.
REPO_ROOT = osp.dirname(PACKAGE_ROOT)
MIM_ROOT = osp.join(PACKAGE_ROOT, '.mim')
# The folder that holds configs/, tools/ and model-index.yml.
PROJECT_FILES = MIM_ROOT if osp.isdir(MIM_ROOT) else REPO_ROOT

