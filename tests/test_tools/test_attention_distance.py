"""tools/analysis/attention_distance.py: the mean attention distance, on attention whose
answer is known."""
import pytest
import torch
from mmpretrain.models import VisionTransformer

from tests.helpers.tool_runs import import_tool

tool = import_tool('analysis/attention_distance.py')


def test_patch_distances_are_pixels_between_centres():
    d = tool.patch_distances((2, 3), patch_size=8)
    assert d.shape == (6, 6) and d[0, 1] == 8 and d[0, 3] == 8 and d[0, 5] == pytest.approx(
        (16**2 + 8**2)**.5)


def test_uniform_attention_gives_the_mean_pairwise_distance():
    """With zero query and key weights every token attends to every token equally."""
    vit = VisionTransformer(arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                      feedforward_channels=64), img_size=32, patch_size=8)
    with torch.no_grad():
        for layer in vit.layers:
            layer.attn.qkv.weight[:64] = 0  # the query and key rows
            layer.attn.qkv.bias[:64] = 0
    stats = tool.attention_statistics(vit, torch.randn(3, 3, 32, 32))
    n = 16
    uniform = tool.patch_distances((4, 4), 8).sum() / (n + 1) / n  # cls takes 1/(n+1)
    assert stats['distance'].shape == (2, 2)
    torch.testing.assert_close(stats['distance'], torch.full((2, 2), float(uniform)))
    torch.testing.assert_close(stats['cls_share'], torch.full((2, 2), 1 / (n + 1)))
