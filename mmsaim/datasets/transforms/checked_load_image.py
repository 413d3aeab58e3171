import atexit
import logging
import multiprocessing
from typing import Optional

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that names the file it cannot read, or skips it.

    A missing, empty, cut-off or undecodable image raises an ``OSError`` whose one line
    names the file and the fix. With ``skip_unreadable=True`` such a file is skipped
    instead: a warning names it, the transform returns ``None`` so that mmengine's
    ``BaseDataset`` serves another sample in its place, and the number of skipped reads
    (counted across dataloader workers) is logged when the process exits.

    Args:
        skip_unreadable (bool): skip unreadable images instead of stopping. Defaults to
            False.
        **kwargs: the arguments of ``LoadImageFromFile`` (not ``ignore_empty``, which
            ``skip_unreadable`` replaces).

    Results: adds ``img`` (H, W, 3) uint8 (or float32), ``img_shape`` and ``ori_shape``.
    """

    def __init__(self, skip_unreadable: bool = False, **kwargs):
        if 'ignore_empty' in kwargs:
            raise TypeError('CheckedLoadImageFromFile: use skip_unreadable=True instead of '
                            'ignore_empty')
        super().__init__(**kwargs)
        self.skip_unreadable = skip_unreadable
        self.skipped = multiprocessing.Value('i', 0) if skip_unreadable else None
        if skip_unreadable:
            atexit.register(self.report_skipped)

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            loaded = super().transform(results)
        except Exception as e:  # decoders raise many types, often without the path
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            if not self.skip_unreadable:
                raise OSError(f'Cannot read image {path} ({reason}): remove or replace the '
                              'file, or set skip_unreadable=True in CheckedLoadImageFromFile '
                              'to skip such files') from None
            with self.skipped.get_lock():
                self.skipped.value += 1
            print_log(f'Skipped unreadable image {path} ({reason})', logger='current',
                      level=logging.WARNING)
            return None
        return loaded

    def report_skipped(self) -> None:
        if self.skipped.value:
            print_log(f'CheckedLoadImageFromFile skipped {self.skipped.value} unreadable '
                      'image reads in this run', logger='current', level=logging.WARNING)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', skip_unreadable={self.skip_unreadable})'
