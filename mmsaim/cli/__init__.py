"""The command-line plumbing of the tools under ``tools/``: the layer above the apis."""
from .picture_args import add_model_args, add_order_arg, init_saim_from_args
from .tool import (USER_ERRORS, CfgOptionsAction, add_runner_args, check_image_size, device,
                   output_file, positive_int, refuse_overwriting_input, run_tool, tool_parser)

__all__ = [
    'add_model_args', 'add_order_arg', 'init_saim_from_args', 'USER_ERRORS',
    'CfgOptionsAction', 'add_runner_args', 'check_image_size', 'device', 'output_file',
    'positive_int', 'refuse_overwriting_input', 'run_tool', 'tool_parser'
]
