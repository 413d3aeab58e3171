"""Where the project's files beside the package are: ``configs/``, ``tools/`` and
``model-index.yml``.

An installed package holds them in ``mmsaim/.mim`` (the layout of mmpretrain, mmdet and mmseg,
which OpenMMLab's ``mim`` reads): copies in a wheel (``pip install .`` or the built wheel),
links to the source tree in an editable install (``tools/install.sh``), whose files are then
read where they are, as in a source checkout on ``PYTHONPATH``.
"""
import os.path as osp

# The package's own folder, also when it is imported through a link to it.
PACKAGE_ROOT = osp.dirname(osp.realpath(__file__))
# The source tree's root; where work_dirs/ and data/ live in a checkout.
REPO_ROOT = osp.dirname(PACKAGE_ROOT)
MIM_ROOT = osp.join(PACKAGE_ROOT, '.mim')
_MIM_INDEX = osp.realpath(osp.join(MIM_ROOT, 'model-index.yml'))
# The folder that holds configs/, tools/ and model-index.yml.
PROJECT_FILES = osp.dirname(_MIM_INDEX) if osp.isfile(_MIM_INDEX) else REPO_ROOT
