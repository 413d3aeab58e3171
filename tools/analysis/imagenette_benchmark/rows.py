"""What the benchmark runs: the rows (an encoder each, from its pretraining config) and the
evaluations (configs run on each row's published encoder, and the metrics they record)."""
from typing import Callable, Dict, NamedTuple, Optional, Tuple

from mmsaim.apis import ORDER_NAMES


class Row(NamedTuple):
    """A row of the table: its pretraining ``config``, its ``name`` in the tables, and
    whether it is trained (``random`` publishes the model's initial weights instead)."""
    config: str
    name: str
    pretrained: bool = True


ROWS = {
    'saim': Row('pretrain_saim.py', 'SAIM, stochastic order, query stream, Gaussian (9, 1)'),
    'saim_raster': Row('pretrain_saim-raster.py',
                       'SAIM, raster order, query stream, Gaussian (9, 1)'),
    'saim_light': Row('pretrain_saim-light.py',
                      'SAIM, stochastic order, light query stream (1/2 wide, 1/3 deep)'),
    'igpt': Row('pretrain_vit-igpt.py', 'ViT-iGPT (raster, no query stream), Gaussian (9, 1)'),
    'mae': Row('pretrain_mae.py', 'MAE (mmpretrain, mask ratio 0.75)'),
    'random': Row('pretrain_saim.py', 'random init (no pretraining)', pretrained=False),
}


class Run(NamedTuple):
    """One run of an evaluation: its ``config`` (None: the row's own pretraining config,
    whose test scores the row's whole model) with ``options`` (``--cfg-options``) of its
    own."""
    config: Optional[str] = None
    options: Tuple[str, ...] = ()


def runs(*configs: str) -> Dict[str, Run]:
    """Configs run as they are, each under its own name (its work dir)."""
    return {config[:-len('.py')]: Run(config) for config in configs}


class Evaluation(NamedTuple):
    """What an evaluation runs (``runs``: a name, which is also the work dir, and its
    run), what it records (``results``: key -> (run, metric); a metric with ``{}`` reads
    ``{}`` = 1, 2, ... as a list), and ``describe``: the settings from the (first) run's
    config, for the table's note. Its runs train from the published encoder (``trains``: a
    probe, a fine-tune; the metrics are those of the validation at the end) or else test
    the published checkpoint; with ``row_model`` they test the row's own pretraining
    model, which must be SAIM's."""
    title: str
    runs: Dict[str, Run]
    results: Dict[str, Tuple[str, str]]
    describe: Callable
    trains: bool = False
    row_model: bool = False


def describe_knn(cfg) -> str:
    return f'k = {cfg.test_evaluator.k}, T = {cfg.test_evaluator.temperature}'


def describe_attentive(cfg) -> str:
    optimizer = cfg.optim_wrapper.optimizer
    return (f'{cfg.model.neck.num_heads} heads, {cfg.train_cfg.max_epochs} epochs of '
            f'{optimizer.type} lr {optimizer.lr}, weight decay {optimizer.weight_decay}, '
            f'batch {cfg.train_dataloader.batch_size}, on features computed once')


ANY_ORDER = {order: Run(options=(f'model.order={order}', )) for order in ORDER_NAMES}
EVALUATIONS = {
    'knn': Evaluation(
        'k-NN', runs('eval_knn.py'),
        {'cls': ('eval_knn', 'knn/cls'), 'patch_mean': ('eval_knn', 'knn/patch_mean')},
        describe_knn),
    'linear': Evaluation(
        'linear', runs('eval_linear-cls.py', 'eval_linear-patch-mean.py'),
        {'cls': ('eval_linear-cls', 'accuracy/top1'),
         'patch_mean': ('eval_linear-patch-mean', 'accuracy/top1')},
        lambda cfg: f'{cfg.train_cfg.max_epochs} epochs on features computed once',
        trains=True),
    'attentive': Evaluation(
        'attentive probe', runs('eval_attentive.py'),
        {'patches': ('eval_attentive', 'accuracy/top1')}, describe_attentive, trains=True),
    'knn_blocks': Evaluation(
        'k-NN of every block', runs('eval_knn-blocks.py'),
        {'patch_mean': ('eval_knn-blocks', 'knn/patch_mean/block_{}')},
        lambda cfg: f'{describe_knn(cfg)}, mean patch token without the final norm'),
    'any_order': Evaluation(
        'any-order loss', {f'eval_any-order_{order}': run for order, run in ANY_ORDER.items()},
        {**{order: (f'eval_any-order_{order}', 'prediction/loss') for order in ANY_ORDER},
         'stochastic_steps': ('eval_any-order_stochastic', 'prediction/step_loss')},
        lambda cfg: (f'pretraining loss on the {cfg.test_dataloader.dataset.split} center '
                     'crops, stochastic orders drawn per image from its index'),
        row_model=True),
    'finetune': Evaluation(
        'fine-tune', runs('eval_finetune.py'), {'top1': ('eval_finetune', 'accuracy/top1')},
        lambda cfg: (f'{cfg.train_cfg.max_epochs} epochs, layer decay '
                     f'{cfg.optim_wrapper.paramwise_cfg.layer_decay_rate}'),
        trains=True),
}
# The main table's columns, one per result; the any-order losses and the k-NN of every block
# have tables of their own.
MAIN_TABLE = ('knn', 'linear', 'attentive', 'finetune')
FEATURE_NAMES = {'cls': 'cls', 'patch_mean': 'patch mean', 'patches': 'patch tokens',
                 'top1': 'avg + LN'}


def read_metric(metrics: dict, name: str):
    """The value of metric ``name`` (a number, or a list of numbers); with ``{}``, the list
    of ``name.format(k)`` for k = 1, 2, ... as long as there is one."""
    if '{}' not in name:
        value = metrics[name]
        return [float(v) for v in value] if isinstance(value, (list, tuple)) else float(value)
    values = []
    while name.format(len(values) + 1) in metrics:
        values.append(float(metrics[name.format(len(values) + 1)]))
    if not values:
        raise KeyError(f'no metric {name.format(1)} among {sorted(metrics)}')
    return values
