from .warmup_lr import WarmupCosineAnnealingLR, WarmupPolyLR

__all__ = ['WarmupCosineAnnealingLR', 'WarmupPolyLR']
