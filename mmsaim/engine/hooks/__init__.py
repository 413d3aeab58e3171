from .finite_loss_hook import FiniteLossHook
from .reconstruction_hook import SAIMReconstructionHook
from .resumable_checkpoint_hook import ResumableCheckpointHook

__all__ = ['FiniteLossHook', 'ResumableCheckpointHook', 'SAIMReconstructionHook']
