from .reconstruction_hook import SAIMReconstructionHook

__all__ = ['SAIMReconstructionHook']
