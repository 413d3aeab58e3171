import atexit
import logging
import multiprocessing
import os
import sys
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Tuple

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log
from mmpretrain.registry import TRANSFORMS
from PIL import Image


# What libjpeg prints (to the C stderr, without the file name) for data it decodes anyway.
JPEG_CORRUPTION = ('Corrupt JPEG data', 'Premature end of JPEG file')


@contextmanager
def c_stderr_captured() -> Iterator[Callable[[], List[str]]]:
    """Capture what C libraries write to file descriptor 2 in the block: yields a function
    that returns those lines. Lines that are not libjpeg's corruption warnings are written
    back to stderr afterwards."""
    sys.stderr.flush()
    saved = os.dup(2)
    lines: List[str] = []
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield lambda: lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines += captured.read().decode(errors='replace').splitlines(keepends=True)
    others = ''.join(line for line in lines if not line.startswith(JPEG_CORRUPTION))
    if others:
        sys.stderr.write(others)


def image_size_on_disk(path: str) -> Optional[Tuple[int, int]]:
    """(width, height) from an image file's header, without decoding it (and without
    Pillow's own pixel limit); None when Pillow cannot read the header."""
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(path) as image:
            return image.size
    except Exception:  # not an image Pillow knows: the decoder will say what is wrong
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = limit


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that names the file it cannot read, or skips it.

    A missing, empty, cut-off or undecodable image, or one of more than ``max_pixels``
    pixels (read from its header, before it is decoded: a small file can hold a picture
    that decodes to gigabytes), raises an ``OSError`` whose one line names the file and
    the fix. A JPEG whose data is corrupt but decodes (libjpeg fills in
    the rest and prints a warning without the file name) is decoded and named in a warning. With ``skip_unreadable=True`` such a file is skipped
    instead: a warning names it, the transform returns ``None`` so that mmengine's
    ``BaseDataset`` serves another sample in its place, and the number of skipped reads
    (counted across dataloader workers) is logged when the process exits.

    Args:
        skip_unreadable (bool): skip unreadable images instead of stopping. Defaults to
            False.
        max_pixels (int, optional): the largest image (width x height) read. Defaults to
            Pillow's ``Image.MAX_IMAGE_PIXELS`` (89,478,485).
        **kwargs: the arguments of ``LoadImageFromFile`` (not ``ignore_empty``, which
            ``skip_unreadable`` replaces).

    Results: adds ``img`` (H, W, 3) uint8 (or float32), ``img_shape`` and ``ori_shape``.
    """

    def __init__(self, skip_unreadable: bool = False, max_pixels: Optional[int] = None,
                 **kwargs):
        if 'ignore_empty' in kwargs:
            raise TypeError('CheckedLoadImageFromFile: use skip_unreadable=True instead of '
                            'ignore_empty')
        super().__init__(**kwargs)
        self.skip_unreadable = skip_unreadable
        self.max_pixels = max_pixels or Image.MAX_IMAGE_PIXELS
        self.skipped = multiprocessing.Value('i', 0) if skip_unreadable else None
        if skip_unreadable:
            atexit.register(self.report_skipped)

    def _too_large(self, path: str) -> Optional[str]:
        size = image_size_on_disk(path) if osp.isfile(path) else None
        if size is None or size[0] * size[1] <= self.max_pixels:
            return None
        return (f'{size[0]}x{size[1]}, {size[0] * size[1]} pixels, above the limit of '
                f'{self.max_pixels}: shrink it, or raise max_pixels')

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            too_large = self._too_large(path)
            if too_large:
                raise ValueError(too_large)
            with c_stderr_captured() as decoder_messages:
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
        corrupt = [m for m in decoder_messages() if m.startswith(JPEG_CORRUPTION)]
        if corrupt:
            print_log(f'Corrupt image {path} ({corrupt[0].strip()}); the decoder filled in what '
                      'it could: replace the file', logger='current', level=logging.WARNING)
        return loaded

    def report_skipped(self) -> None:
        if self.skipped.value:
            print_log(f'CheckedLoadImageFromFile skipped {self.skipped.value} unreadable '
                      'image reads in this run', logger='current', level=logging.WARNING)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + (f', skip_unreadable={self.skip_unreadable}, '
                                          f'max_pixels={self.max_pixels})')
