from .finite_loss_hook import FiniteLossHook
from .reconstruction_hook import SAIMReconstructionHook
from .resumable_checkpoint_hook import ResumableCheckpointHook
from .time_limit_hook import TimeLimitHook

__all__ = ['FiniteLossHook', 'ResumableCheckpointHook', 'SAIMReconstructionHook', 'TimeLimitHook']
