"""Where the repository's own files are (configs, data, the model index), for the tools,
the tests and the model index. They exist where the package is installed from the source
tree (the editable install that ``tools/install.sh`` makes)."""
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
