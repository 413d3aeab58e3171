"""Unreadable images are named, or skipped and counted."""
import atexit
import logging
import re

import pytest
from mmengine.logging import MMLogger
from mmpretrain.datasets import CustomDataset

from mmsaim.datasets import CheckedLoadImageFromFile
from tests.helpers.tool_runs import run_train, write_images


@pytest.fixture
def folder(tmp_path):
    write_images(tmp_path / 'images', count=3)
    (tmp_path / 'images' / 'empty.jpg').write_bytes(b'')
    (tmp_path / 'images' / 'broken.jpg').write_bytes(b'not a jpeg')
    return tmp_path / 'images'


@pytest.mark.parametrize('name', ['empty.jpg', 'broken.jpg', 'missing.jpg'])
def test_unreadable_image_is_named(folder, name):
    with pytest.raises(OSError, match=rf'Cannot read image .*{name} .*skip_unreadable=True'):
        CheckedLoadImageFromFile()(dict(img_path=str(folder / name)))


def test_skipped_images_are_replaced_and_counted(folder):
    loader = CheckedLoadImageFromFile(skip_unreadable=True)
    atexit.unregister(loader.report_skipped)  # reported below instead of at exit
    dataset = CustomDataset(data_root=str(folder), with_label=False,
                            pipeline=[loader, dict(type='PackInputs')])
    samples = [dataset[i] for i in range(len(dataset))]
    assert len(samples) == 5 and all(s['inputs'].shape[0] == 3 for s in samples)
    assert loader.skipped.value >= 2  # each bad file once, and again if drawn as a stand-in


@pytest.mark.slow
def test_training_skips_and_reports_at_the_end(folder, tmp_path):
    pipeline = ('train_dataloader.dataset.pipeline.0.skip_unreadable=True', )
    proc = run_train(tmp_path / 'work', folder, *pipeline)
    log = proc.stdout + proc.stderr
    assert f'Skipped unreadable image {folder / "empty.jpg"}' in log
    assert f'Skipped unreadable image {folder / "broken.jpg"}' in log
    assert re.search(r'CheckedLoadImageFromFile skipped \d+ unreadable image reads in this '
                     r'run\n*$', proc.stdout), proc.stdout[-500:]


@pytest.mark.slow
def test_training_names_an_empty_image(tmp_path):
    write_images(tmp_path / 'images', count=4)
    (tmp_path / 'images' / 'empty.jpg').write_bytes(b'')
    proc = run_train(tmp_path / 'work', tmp_path / 'images', check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f'train.py: error: Cannot read image {tmp_path / "images" / "empty.jpg"}')


def garble(path):
    """Overwrite part of a JPEG's entropy-coded data: libjpeg still decodes it, and says so
    on stderr without the file name."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 40] = bytes((b ^ 0x5A) if i % 7 else 0xFF
                                     for i, b in enumerate(data[middle:middle + 40]))
    path.write_bytes(bytes(data))


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_corrupt_jpeg_is_decoded_and_named(folder, capfd):
    garble(folder / '0.jpg')
    logger, records = MMLogger.get_current_instance(), _Records()
    logger.addHandler(records)
    try:
        intact = CheckedLoadImageFromFile()(dict(img_path=str(folder / '1.jpg')))
        assert not records.messages
        results = CheckedLoadImageFromFile()(dict(img_path=str(folder / '0.jpg')))
    finally:
        logger.removeHandler(records)
    assert results['img'].shape == intact['img'].shape
    assert records.messages == [records.messages[0]] and records.messages[0].startswith(
        f'Corrupt image {folder / "0.jpg"} (Corrupt JPEG data')
    # libjpeg's own line, which names no file, is not passed on.
    assert 'Corrupt JPEG data' not in capfd.readouterr().err


def test_an_image_above_the_pixel_limit_is_named_before_it_is_decoded(tmp_path, monkeypatch):
    """A small PNG of one colour decodes to far more memory than its file: its header is
    read first, the decoder never runs."""
    from PIL import Image
    from mmcv.transforms import LoadImageFromFile
    path = tmp_path / 'huge.png'
    Image.new('L', (3000, 2000)).save(path)
    assert path.stat().st_size < 20_000
    monkeypatch.setattr(LoadImageFromFile, 'transform',
                        lambda self, results: pytest.fail('decoded'))
    with pytest.raises(OSError, match=r'Cannot read image .*huge\.png \(3000x2000, 6000000 '
                       r'pixels, above the limit of 5000000: shrink it, or raise max_pixels\)'):
        CheckedLoadImageFromFile(max_pixels=5_000_000)(dict(img_path=str(path)))
    skipping = CheckedLoadImageFromFile(max_pixels=5_000_000, skip_unreadable=True)
    atexit.unregister(skipping.report_skipped)
    assert skipping(dict(img_path=str(path))) is None


def test_the_default_pixel_limit_is_pillows():
    from PIL import Image
    assert CheckedLoadImageFromFile().max_pixels == Image.MAX_IMAGE_PIXELS
