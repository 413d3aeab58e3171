"""The training picture shows distinct images spread over the dataset."""
import torch
from mmpretrain.datasets import CustomDataset

from mmsaim.apis import load_images
from mmsaim.engine.hooks import SAIMReconstructionHook
from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import write_images


def test_one_readable_image_from_each_part_of_the_dataset(tmp_path):
    write_images(tmp_path, count=10)
    (tmp_path / '2.jpg').write_bytes(b'not an image')
    dataset = CustomDataset(data_root=str(tmp_path), with_label=False)
    model = build_tiny_saim(img_size=32)
    images = SAIMReconstructionHook(img_size=32, num_images=4).spread_images(model, dataset)
    # parts [0, 2), [2, 5), [5, 7), [7, 10); 2.jpg is unreadable, so 3.jpg stands for it
    expected = load_images(model, [tmp_path / f'{i}.jpg' for i in (0, 3, 5, 7)], 32)
    torch.testing.assert_close(images, expected, rtol=0, atol=0)
