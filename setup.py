import os
import os.path as osp
import re
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    with open(osp.join(HERE, 'mmsaim', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def parse_requirements(fname: str) -> list:
    """Requirement lines of ``requirements/<fname>``, without comments."""
    reqs = []
    with open(osp.join(HERE, 'requirements', fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                reqs.append(line)
    return reqs


# What an installed mmsaim carries beside its code, in mmsaim/.mim (the layout of mmpretrain,
# mmdet and mmseg): the model index that mmpretrain's model hub reads, the configs it names,
# and the tools that `mim train mmsaim CONFIG` and `mim test` run.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def copy_mim_files(mim: str) -> None:
    """Copy :data:`MIM_FILES` into the folder ``mim`` (a wheel's ``mmsaim/.mim``)."""
    shutil.rmtree(mim, ignore_errors=True)
    os.makedirs(mim)
    skip = shutil.ignore_patterns('__pycache__', '*.pyc')
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        if osp.isdir(src):
            shutil.copytree(src, osp.join(mim, name), ignore=skip)
        else:
            shutil.copyfile(src, osp.join(mim, name))


def link_mim_files(mim: str) -> None:
    """Make the folder ``mim`` (the source tree's ``mmsaim/.mim``) hold relative links to
    :data:`MIM_FILES`, which stay where they are."""
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        link = osp.join(mim, name)
        if osp.islink(link) or osp.isfile(link):
            os.remove(link)
        elif osp.isdir(link):
            shutil.rmtree(link)
        os.symlink(osp.join(os.pardir, os.pardir, name), link)


class BuildPyWithMimFiles(build_py):
    """setuptools' ``build_py`` that gives ``mmsaim/.mim`` the :data:`MIM_FILES`: copies in a
    wheel; links to the source tree in an editable install (``pip install -e .``, git-ignored),
    so that the package has them where ``mim`` looks either way."""

    def run(self):
        super().run()
        if self.editable_mode:
            link_mim_files(osp.join(HERE, 'mmsaim', '.mim'))
        else:
            copy_mim_files(osp.join(self.build_lib, 'mmsaim', '.mim'))


with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

setup(
    name='mmsaim',
    version=read_version(),
    description='SAIM (Stochastic Autoregressive Image Modeling) for the '
    'OpenMMLab 2.0 stack: mmpretrain, mmdet and mmsegmentation',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(include=('mmsaim', 'mmsaim.*')),
    python_requires='>=3.8',
    install_requires=parse_requirements('runtime.txt'),
    extras_require={
        'mim': parse_requirements('mminstall.txt'),
        'tests': parse_requirements('tests.txt'),
        'build': parse_requirements('build.txt'),
        'tensorboard': parse_requirements('tensorboard.txt'),
        'all': parse_requirements('mminstall.txt') +
        parse_requirements('tests.txt'),
    },
    cmdclass={'build_py': BuildPyWithMimFiles},
    zip_safe=False,
)
