"""The checkpoints in a work dir, and files written so that a kill never leaves half of one."""
import glob
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional

CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` archive (a cut-off file lacks its index)."""
    return osp.isfile(path) and zipfile.is_zipfile(path)


def checkpoint_step(path: str) -> Optional[int]:
    """N of a checkpoint named ``epoch_N.pth`` / ``iter_N.pth``, else None."""
    match = CHECKPOINT_NAME.match(osp.basename(path))
    return int(match.group(2)) if match else None


def checkpoint_files(work_dir: str) -> List[str]:
    """The ``epoch_N.pth`` / ``iter_N.pth`` files in ``work_dir``, newest (highest N) first."""
    found = []
    for path in glob.glob(osp.join(glob.escape(work_dir), '*.pth')):
        step = checkpoint_step(path)
        if step is not None:
            found.append((step, osp.getmtime(path), path))
    return [path for *_, path in sorted(found, reverse=True)]


def find_resumable_checkpoint(work_dir: str, exclude: Optional[str] = None) -> Optional[str]:
    """The checkpoint a bare ``--resume`` continues from, or None when there is none.

    That is the file that ``work_dir/last_checkpoint`` names, looked up in ``work_dir``
    itself (the file holds an absolute path, which in a copied or moved work dir is the
    original's), when it is complete; else the newest complete ``epoch_*`` / ``iter_*``
    file (cut-off files are passed over).
    """
    candidates = []
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            candidates.append(osp.join(work_dir, osp.basename(f.read().strip())))
    candidates += checkpoint_files(work_dir)
    for path in candidates:
        if exclude is not None and osp.abspath(path) == osp.abspath(exclude):
            continue
        if is_complete_checkpoint(path):
            return path
    return None


def replace_file_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename; a failed write
    (a full disk) leaves ``path`` as it was and no temporary file."""
    tmp = f'{path}.tmp'
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
