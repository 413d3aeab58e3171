import time

from mmengine.hooks import CheckpointHook, Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class TimeLimitHook(Hook):
    """End training at the first epoch boundary after ``minutes``, with a checkpoint there.

    For runs that must fit a time slot: after each epoch past the limit (but the last), the
    runner's checkpoint hook saves that epoch (unless its interval just did) and the train
    loop stops; ``--resume`` then continues from that checkpoint, with
    ``ResumableCheckpointHook`` exactly as the uninterrupted run would have.
    Registered in mmengine's ``HOOKS``:
    ``custom_hooks = [dict(type='TimeLimitHook', minutes=8)]``, or, from the command line of
    a config that has none, as one more default hook: ``--cfg-options
    default_hooks.time_limit.type=TimeLimitHook default_hooks.time_limit.minutes=8``.

    Args:
        minutes (float): the training time (from the start of training) after which the
            run stops at an epoch boundary; 0 stops after the next epoch.
    """
    priority = 'LOWEST'  # after the checkpoint hook's own save of the epoch

    def __init__(self, minutes: float):
        self.minutes = minutes
        self.start = None

    def before_train(self, runner) -> None:
        if not any(isinstance(hook, CheckpointHook) for hook in runner.hooks):
            raise ValueError('TimeLimitHook stops training at a checkpoint: configure a '
                             'checkpoint hook (default_hooks.checkpoint)')
        self.start = time.perf_counter()

    def after_train_epoch(self, runner) -> None:
        if (runner.epoch + 1 >= runner.max_epochs
                or time.perf_counter() - self.start < 60 * self.minutes):
            return
        checkpoint = next(hook for hook in runner.hooks if isinstance(hook, CheckpointHook))
        saved = checkpoint.by_epoch and checkpoint.every_n_epochs(
            runner, checkpoint.interval, checkpoint.save_begin)
        if not saved:
            checkpoint._save_checkpoint(runner)
        runner.train_loop.stop_training = True
        runner.logger.info(f'TimeLimitHook: {self.minutes} minutes passed; training stops '
                           f'after epoch {runner.epoch + 1} of {runner.max_epochs}, saved '
                           'for --resume')
