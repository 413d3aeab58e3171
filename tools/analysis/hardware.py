"""The name of the hardware a benchmark ran on, for its records."""
import os.path as osp
import platform

import torch


def hardware_name(device) -> str:
    """The GPU's name for a CUDA ``device`` (a ``torch.device`` or a string), else the CPU's
    model name and the number of threads torch uses."""
    device = torch.device(device)
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    name = platform.processor() or platform.machine()
    if osp.isfile('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            name = next((line.split(':', 1)[1].strip() for line in f
                         if line.startswith('model name')), name)
    return f'{name}, {torch.get_num_threads()} threads'
