"""Run a script under tools/ in this process, as its command line would, or import it."""
import importlib.util
import os.path as osp
import runpy
import sys
from unittest import mock

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_tool(tool, *args):
    """``python tools/<tool> args...`` in-process (no interpreter start-up); returns nothing,
    raises what the tool raises."""
    path = osp.join(ROOT, 'tools', tool)
    with mock.patch.object(sys, 'argv', [path, *map(str, args)]):
        runpy.run_path(path, run_name='__main__')


def import_tool(tool):
    """The module of ``tools/<tool>``, to call its functions."""
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(tool))[0], osp.join(ROOT, 'tools', tool))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
