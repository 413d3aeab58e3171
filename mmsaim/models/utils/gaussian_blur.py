import torch
import torch.nn as nn
import torch.nn.functional as F


def gaussian_kernel2d(kernel_size: int, sigma: float) -> torch.Tensor:
    """A (kernel_size, kernel_size) Gaussian that sums to one."""
    coords = torch.arange(kernel_size, dtype=torch.float64) - (kernel_size - 1) / 2
    g = torch.exp(-coords**2 / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g).float()


class GaussianBlur(nn.Module):
    """Depthwise 2-D Gaussian filter with zero padding; keeps the image size.

    Args:
        kernel_size (int): odd side of the kernel (SAIM: 9).
        sigma (float): standard deviation in pixels (SAIM: 1).
        channels (int): image channels, each filtered on its own.

    Shape: (B, C, H, W) -> (B, C, H, W). The kernel is a non-persistent buffer: pretraining
    checkpoints do not carry it.
    """

    def __init__(self, kernel_size: int = 9, sigma: float = 1., channels: int = 3):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'GaussianBlur kernel_size must be odd, got {kernel_size}')
        self.kernel_size, self.sigma = kernel_size, sigma
        kernel = gaussian_kernel2d(kernel_size, sigma)
        self.register_buffer(
            'weight', kernel.expand(channels, 1, kernel_size, kernel_size).clone(),
            persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight.to(x.dtype), padding=self.kernel_size // 2,
                        groups=x.shape[1])

    def extra_repr(self) -> str:
        return f'kernel_size={self.kernel_size}, sigma={self.sigma}'
