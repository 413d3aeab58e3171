"""Imagenette representation benchmark: does pretraining with SAIM give a better encoder?

    python tools/analysis/representation_benchmark.py --device cpu    # the CPU preset
    python tools/analysis/representation_benchmark.py --device cuda   # ViT-S/8, 200 epochs
    python tools/analysis/representation_benchmark.py --preset cpu-48px \
        --methods saim saim_raster random                            # 36 patches per image

Runs the configs of ``configs/saim/benchmarks/imagenette/`` through the mmengine Runner
under one preset (``--preset``: a name in ``_base_/presets/`` or a preset file; by default
``--device``'s): each row's pretraining (``pretrain_*.py``; ``random`` is the SAIM model's
initial weights under the same seed), the publish step (``mmsaim.apis.publish_checkpoint``,
into ``WORK_DIR/checkpoints/``), and each evaluation of each published encoder:

  knn         eval_knn.py: 20-NN, cosine, T = 0.07, train features as the bank;
  linear      eval_linear-cls.py, eval_linear-patch-mean.py: mmpretrain's linear probe on
              features computed once;
  attentive   eval_attentive.py: an attentive probe (one learned query over the patch
              tokens) on features computed once;
  knn_blocks  eval_knn-blocks.py: k-NN of the mean patch token of every block;
  any_order   eval_any-order.py, once per order (raster, stochastic, center-out): the
              pretraining loss of the row's own model on the val images, and per prediction
              step (rows whose model is SAIM's only; the others skip it);
  finetune    eval_finetune.py: the whole encoder, layer-wise lr decay, Mixup / CutMix.

Each run has its own work dir, ``WORK_DIR/<row>/<config name>/`` (the any-order runs
``eval_any-order_<order>``: logs, checkpoints, the config). The results go to
``WORK_DIR/results.json`` after every stage; a rerun skips what is recorded, so evaluations
can be added to finished rows later (``--evaluations``), and a work dir that holds results
of other settings is refused. ``--stop-after MINUTES`` ends a training run at the first
epoch boundary past that time with a checkpoint (or stops before the next evaluation); the
next run resumes it through the Runner. The tables (one row per encoder, one column per
evaluation, with seed, epochs, wall times and hardware; the any-order losses; the k-NN of
every block) are printed and written to ``WORK_DIR/results.md``;
``tools/analysis/plot_representation_benchmark.py`` draws the figures from results.json.
"""
import json
import os
import os.path as osp
import sys
import time
from typing import Callable, Dict, NamedTuple, Tuple

import torch
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmsaim.apis import load_trained_weights, publish_checkpoint
from mmsaim.cli import run_tool, tool_parser
from mmsaim.models.utils import ORDER_NAMES
from mmsaim.paths import REPO_ROOT
from mmsaim.fileio import find_resumable_checkpoint, replace_file_atomically
from mmsaim.runner import ConfigError, build_runner

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tools/ are scripts, not a package
from benchmark_presets import (derived_preset, load_config, preset_file,  # noqa: E402
                               preset_names, read_preset)
from hardware import hardware_name  # noqa: E402


class Row(NamedTuple):
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
    """One config of an evaluation, with ``options`` (``--cfg-options`` keys) set."""
    config: str
    options: dict = {}


def runs(*configs: str) -> Dict[str, Run]:
    """Configs run as they are, each under its own name (its work dir)."""
    return {osp.splitext(config)[0]: Run(config) for config in configs}


class Evaluation(NamedTuple):
    """What an evaluation runs (``runs``: a name, which is also the work dir, and its
    config), what it records (``results``: key -> (run, metric); a metric with ``{}``
    reads ``{}`` = 1, 2, ... as a list), and ``describe``: the settings from the (first)
    config, for the table's note. With ``row_model`` the configs evaluate the row's own
    pretraining model (SAIM rows only)."""
    title: str
    runs: Dict[str, Run]
    results: Dict[str, Tuple[str, str]]
    describe: Callable
    row_model: bool = False


def describe_knn(cfg) -> str:
    return f'k = {cfg.test_evaluator.k}, T = {cfg.test_evaluator.temperature}'


def describe_attentive(cfg) -> str:
    optimizer = cfg.optim_wrapper.optimizer
    return (f'{cfg.model.neck.num_heads} heads, {cfg.train_cfg.max_epochs} epochs of '
            f'{optimizer.type} lr {optimizer.lr}, weight decay {optimizer.weight_decay}, '
            f'batch {cfg.train_dataloader.batch_size}, on features computed once')


ANY_ORDER = {order: Run('eval_any-order.py', {'model.order': order}) for order in ORDER_NAMES}
EVALUATIONS = {
    'knn': Evaluation(
        'k-NN', runs('eval_knn.py'),
        {'cls': ('eval_knn', 'knn/cls'), 'patch_mean': ('eval_knn', 'knn/patch_mean')},
        describe_knn),
    'linear': Evaluation(
        'linear', runs('eval_linear-cls.py', 'eval_linear-patch-mean.py'),
        {'cls': ('eval_linear-cls', 'accuracy/top1'),
         'patch_mean': ('eval_linear-patch-mean', 'accuracy/top1')},
        lambda cfg: f'{cfg.train_cfg.max_epochs} epochs on features computed once'),
    'attentive': Evaluation(
        'attentive probe', runs('eval_attentive.py'),
        {'patches': ('eval_attentive', 'accuracy/top1')}, describe_attentive),
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
                     f'{cfg.optim_wrapper.paramwise_cfg.layer_decay_rate}')),
}
# The main table's columns, one per result; the any-order losses and the k-NN of every block
# have tables of their own.
MAIN_TABLE = ('knn', 'linear', 'attentive', 'finetune')
FEATURE_NAMES = {'cls': 'cls', 'patch_mean': 'patch mean', 'patches': 'patch tokens',
                 'top1': 'avg + LN'}
LOG_INTERVAL = 50  # iterations per mean loss in the recorded loss curve


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


class Stopped(Exception):
    """``--stop-after`` ended the run; a rerun continues."""


def data_summary(data_root: str) -> dict:
    """Images per split and the number of classes, from the annotation files."""
    counts = {}
    for split in ('train', 'val'):
        ann_file = osp.join(data_root, 'meta', f'{split}.txt')
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'--data-root {data_root}: no meta/{split}.txt; give an ImageNet-style '
                 'folder with meta/{train,val}.txt ("path label" lines)')
        with open(ann_file) as f:
            counts[split] = [int(line.split()[-1]) for line in f if line.strip()]
    classes_file = osp.join(data_root, 'meta', 'classes.txt')
    if osp.isfile(classes_file):
        with open(classes_file) as f:
            classes = sum(1 for line in f if line.strip())
    else:
        classes = max(counts['train']) + 1
    return dict(train=len(counts['train']), val=len(counts['val']), classes=classes)


def update_matching(node, match, **values) -> None:
    """Set ``values`` in every dict of a config tree for which ``match(dict)`` holds."""
    if isinstance(node, dict):
        if match(node):
            node.update(values)
        for value in node.values():
            update_matching(value, match, **values)
    elif isinstance(node, (list, tuple)):
        for value in node:
            update_matching(value, match, **values)


def link_by_method(published: str, method: str) -> None:
    """Point ``checkpoints/<method>.pth`` at the row's published encoder (whose name holds
    its hash, different for every run): the fixed name that configs outside the benchmark
    load (the transfer configs)."""
    link = osp.join(osp.dirname(published), f'{method}.pth')
    temporary = f'{link}.{os.getpid()}.tmp'
    os.symlink(osp.basename(published), temporary)
    os.replace(temporary, link)


def loss_curve(losses) -> list:
    """The mean loss of every ``LOG_INTERVAL`` iterations (the last interval may be
    shorter) as ``[iterations done, loss]`` pairs."""
    curve = []
    for start in range(0, len(losses), LOG_INTERVAL):
        interval = losses[start:start + LOG_INTERVAL]
        curve.append([start + len(interval), float(interval.mean())])
    return curve


class Benchmark:
    """One run of the driver: the preset, the data, the record file, the deadline."""

    def __init__(self, args, preset: str, logger: MMLogger):
        self.args, self.preset, self.logger = args, preset, logger
        self.start = time.perf_counter()
        self.host = hardware_name(read_preset(preset)['device'])
        self.data = data_summary(args.data_root)
        self.results_file = osp.join(args.work_dir, 'results.json')
        settings = dict(preset=read_preset(preset), seed=args.seed, data=self.data)
        self.settings = json.loads(json.dumps(settings))  # as the record file holds them
        self.results = self.load_results()
        self.row_models = {}  # method -> the type of its pretraining model

    def load_results(self) -> dict:
        if not osp.isfile(self.results_file):
            return dict(settings=self.settings, methods={})
        with open(self.results_file) as f:
            results = json.load(f)
        if results['settings'] != self.settings:
            differ = {key: (results['settings'].get(key), value)
                      for key, value in self.settings.items()
                      if results['settings'].get(key) != value}
            raise ConfigError(f'{self.results_file} holds results of other settings '
                              f'(recorded, now): {differ}. Use another --work-dir.')
        return results

    def save_results(self) -> None:
        replace_file_atomically(self.results_file, json.dumps(self.results, indent=1).encode())

    def past_deadline(self) -> bool:
        return self.args.stop_after is not None and (
            time.perf_counter() - self.start) / 60 > self.args.stop_after

    def config(self, method: str, config: str, checkpoint: str = None, name: str = None,
               options: dict = None, row_model: bool = False):
        """``config`` under the preset, for ``method``: its data, seed, work dir (``name``,
        by default the config's), the checkpoint in every empty ``Pretrained`` init_cfg,
        the time limit, and ``options``; with ``row_model``, the model of the row's own
        pretraining config."""
        cfg = load_config(config, self.preset, ROWS[method].config if row_model else None)
        cfg.merge_from_dict(options or {})
        tree = list(cfg.values())
        update_matching(tree, lambda d: d.get('type') == 'ImageTensorDataset',
                        data_root=self.args.data_root)
        update_matching(tree, lambda d: 'num_classes' in d, num_classes=self.data['classes'])
        if checkpoint is not None:
            update_matching(tree, lambda d: d.get('type') == 'Pretrained' and not d.get(
                'checkpoint'), checkpoint=checkpoint)
        name = name or osp.splitext(config)[0]
        cfg.work_dir = osp.join(self.args.work_dir, method, name)
        cfg.experiment_name = f'{method}_{name}'
        cfg.randomness = dict(cfg.get('randomness', {}), seed=self.args.seed)
        if self.args.stop_after is not None and cfg.get('train_cfg'):
            minutes = max(0., self.args.stop_after - (time.perf_counter() - self.start) / 60)
            cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
                dict(type='TimeLimitHook', minutes=minutes)]
        return cfg

    def train(self, cfg) -> Runner:
        """Train ``cfg`` through the Runner, resuming from the newest checkpoint of its
        work dir; :class:`Stopped` if the time limit ended it early."""
        resume_from = find_resumable_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
        if resume_from is not None:
            cfg.resume, cfg.load_from = True, resume_from
            self.logger.info(f'{cfg.experiment_name}: resuming from {resume_from}')
        runner = build_runner(cfg)
        runner.train()
        if runner.train_loop.epoch < runner.max_epochs:
            raise Stopped(f'{cfg.experiment_name} stopped after epoch {runner.train_loop.epoch}'
                          f' of {runner.max_epochs}, saved in {cfg.work_dir}')
        return runner

    def pretrain(self, method: str) -> dict:
        """Pretrain ``method``'s row (``random``: build it only) and publish the encoder."""
        row = ROWS[method]
        cfg = self.config(method, row.config)
        record = dict(epochs=cfg.train_cfg.max_epochs if row.pretrained else 0)
        if row.pretrained:
            self.logger.info(f'pretraining {method}: {row.name}')
            runner = self.train(cfg)
            hub = runner.message_hub
            losses = hub.get_scalar('train/loss').data[0]
            seconds = float(hub.get_scalar('train/time').data[0].sum())
            samples = len(losses) * cfg.train_dataloader.batch_size
            record.update(iters=len(losses), seconds=seconds, losses=loss_curve(losses),
                          samples_per_second=samples / seconds)
        else:
            runner = build_runner(cfg)
            runner.model.init_weights()
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        meta = dict(method=method, epochs=record['epochs'], seed=self.args.seed,
                    preset=self.settings['preset'], config=row.config)
        record['checkpoint'] = publish_checkpoint(
            dict(state_dict=model.state_dict(), meta=meta),
            osp.join(self.args.work_dir, 'checkpoints', f'{method}.pth'))
        return record

    def applies(self, method: str, evaluation: str) -> bool:
        """Whether ``evaluation`` evaluates ``method``'s row: one that runs the row's own
        model needs a SAIM row (the any-order loss of an autoregressive model)."""
        if not EVALUATIONS[evaluation].row_model:
            return True
        if method not in self.row_models:
            self.row_models[method] = load_config(ROWS[method].config, self.preset).model.type
        return self.row_models[method] == 'SAIM'

    def evaluate(self, method: str, evaluation: str, checkpoint: str) -> dict:
        """Run the configs of ``evaluation`` on the published ``checkpoint``."""
        spec = EVALUATIONS[evaluation]
        metrics, describe = {}, None
        for name, run in spec.runs.items():
            cfg = self.config(method, run.config, checkpoint, name, run.options, spec.row_model)
            describe = describe or spec.describe(cfg)
            if cfg.get('train_cfg'):  # a probe or a fine-tune: its val metrics at the end
                runner = self.train(cfg)
                scalars = runner.message_hub.log_scalars
                needed = [metric for r, metric in spec.results.values() if r == name]
                found = {m: scalars[f'val/{m}'].current() for m in needed if f'val/{m}' in scalars}
                # Trained by an earlier run of the driver, but not validated yet: validate.
                metrics[name] = found if len(found) == len(needed) else runner.val()
            else:  # nothing to train (k-NN, the any-order loss)
                runner = build_runner(cfg)
                if spec.row_model:  # the whole pretraining model, every weight
                    load_trained_weights(runner.model, checkpoint, run.config)
                else:  # the encoder, through its init_cfg
                    runner.model.init_weights()
                metrics[name] = runner.test()
        return dict({key: read_metric(metrics[name], metric)
                     for key, (name, metric) in spec.results.items()}, settings=describe)

    def run(self, method: str, evaluations) -> None:
        record = self.results['methods'].setdefault(method, dict(name=ROWS[method].name))
        todo = [e for e in evaluations if e not in record and self.applies(method, e)]
        if not todo:
            self.logger.info(f'{method}: finished earlier, skipped')
            return
        if 'pretrain' not in record or not osp.isfile(record['pretrain']['checkpoint']):
            record['pretrain'] = dict(self.pretrain(method), hardware=self.host)
            self.save_results()
        link_by_method(record['pretrain']['checkpoint'], method)
        for evaluation in todo:
            if self.past_deadline():
                raise Stopped(f'{method}: stopped before {evaluation}')
            start = time.perf_counter()
            result = self.evaluate(method, evaluation, record['pretrain']['checkpoint'])
            record[evaluation] = dict(result, seconds=time.perf_counter() - start,
                                      hardware=self.host)
            self.logger.info(f'{method} {evaluation}: {result}')
            self.save_results()


def cell(record: dict, evaluation: str, key: str, digits: int = 2) -> str:
    return f'{record[evaluation][key]:.{digits}f}' if evaluation in record else '-'


def minutes(record: dict) -> str:
    pretrain = record.get('pretrain', {}).get('seconds', 0.)
    evaluate = sum(record[e]['seconds'] for e in EVALUATIONS if e in record)
    return f'{pretrain / 60:.1f} + {evaluate / 60:.1f}'


def markdown_table(header: list, rows: list) -> str:
    return '\n'.join(['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)] +
                     ['| ' + ' | '.join(row) + ' |' for row in rows])


def recorded(methods: dict, evaluation: str = None) -> list:
    """The records of the rows, in the table's order (with ``evaluation`` only)."""
    return [methods[m] for m in ROWS if m in methods and (
        evaluation is None or evaluation in methods[m])]


def main_table(methods: dict) -> str:
    """One row per encoder, one column per result of the :data:`MAIN_TABLE` evaluations."""
    columns = [(e, key) for e in MAIN_TABLE for key in EVALUATIONS[e].results]
    header = ['encoder'] + [f'{EVALUATIONS[e].title} ({FEATURE_NAMES[key]})'
                            for e, key in columns] + [
        'pretrain epochs', 'loss first -> last', 'minutes', 'hardware']
    rows = []
    for record in recorded(methods):
        pretrain = record.get('pretrain', {})
        losses = pretrain.get('losses')
        loss = f'{losses[0][1]:.3f} -> {losses[-1][1]:.3f}' if losses else '-'
        hosts = sorted({record[k]['hardware'] for k in ('pretrain', *EVALUATIONS)
                        if k in record})
        rows.append([record['name']] + [cell(record, e, key) for e, key in columns] + [
            str(pretrain.get('epochs', '-')), loss, minutes(record), '; '.join(hosts)])
    return markdown_table(header, rows)


def any_order_table(methods: dict) -> str:
    """The pretraining loss of each SAIM-model row in every order, and in the stochastic
    order at the first and the last prediction step."""
    records = recorded(methods, 'any_order')
    if not records:
        return ''
    header = ['encoder'] + [f'loss, {order} order' for order in ANY_ORDER] + [
        'stochastic, first patch', 'stochastic, last patch']
    rows = [[r['name']] + [cell(r, 'any_order', order, 4) for order in ANY_ORDER] + [
        f"{r['any_order']['stochastic_steps'][i]:.4f}" for i in (0, -1)] for r in records]
    return ('Any-order prediction: the pretraining loss of each model (its own training '
            'loss: target, blur, norm_pix, MSE) on the val images; lower is better.\n\n' +
            markdown_table(header, rows))


def knn_blocks_table(methods: dict) -> str:
    """The k-NN top-1 of the mean patch token of every block, for each row."""
    records = recorded(methods, 'knn_blocks')
    if not records:
        return ''
    blocks = max(len(r['knn_blocks']['patch_mean']) for r in records)
    header = ['encoder'] + [f'block {k}' for k in range(1, blocks + 1)]
    rows = [[r['name']] + [f'{value:.2f}' for value in r['knn_blocks']['patch_mean']]
            for r in records]
    return ('k-NN top-1 (%) of the mean patch token of every block (no final norm):\n\n' +
            markdown_table(header, rows))


def results_table(results: dict) -> str:
    """The results as Markdown: the main table (one row per encoder, one column per
    evaluation result) with its notes, then the any-order and per-block tables."""
    settings, methods = results['settings'], results['methods']
    preset, data = settings['preset'], settings['data']
    arch, patch = preset['vit']['arch'], preset['vit']['patch_size']
    notes = [f"{data['val']} val images, top-1 (%). ViT width {arch['embed_dims']}, "
             f"{arch['num_layers']} blocks, {patch}x{patch} patches, {preset['crop_size']} px "
             f"crops; pretraining {preset['pretrain']['epochs']} epochs on {data['train']} "
             f"unlabeled train images, batch {preset['pretrain']['batch_size']}, AdamW lr "
             f"{preset['pretrain']['lr']}; seed {settings['seed']} for every run"]
    for evaluation, spec in EVALUATIONS.items():
        described = next((r[evaluation]['settings'] for r in methods.values()
                          if evaluation in r), None)
        if described:
            notes.append(f'{spec.title}: {described}')
    parts = [main_table(methods) + '\n\n' + '; '.join(notes) +
             '. Minutes: pretraining + evaluations.',
             any_order_table(methods), knn_blocks_table(methods)]
    return '\n\n'.join(part for part in parts if part) + '\n'


def build_parser():
    parser = tool_parser(__doc__)
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                        help='the device, and the preset of that name unless --preset')
    parser.add_argument('--preset', help=f'one of {preset_names()} or a preset file')
    parser.add_argument('--data-root', default=osp.join(REPO_ROOT, 'data/imagenette'),
                        help='an ImageNet-style folder with meta/{train,val}.txt')
    parser.add_argument('--work-dir', help='default: work_dirs/representation_benchmark_PRESET')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--methods', nargs='+', choices=list(ROWS), default=list(ROWS))
    parser.add_argument('--evaluations', nargs='+', choices=list(EVALUATIONS),
                        default=list(EVALUATIONS))
    parser.add_argument('--epochs', type=int, help="pretraining epochs instead of the preset's")
    parser.add_argument('--finetune-epochs', type=int,
                        help="fine-tuning epochs instead of the preset's")
    parser.add_argument('--stop-after', type=float, metavar='MINUTES',
                        help='end a training run at the first epoch boundary past this time '
                        '(or stop before the next evaluation), saving what a rerun needs')
    return parser


def resolve_defaults(args):
    """The preset, work dir and data root that ``args`` leave to their defaults."""
    args.preset = args.preset or args.device
    name = osp.splitext(osp.basename(args.preset))[0]
    args.work_dir = osp.abspath(args.work_dir or osp.join(
        REPO_ROOT, 'work_dirs', f'representation_benchmark_{name}'))
    args.data_root = osp.abspath(args.data_root)
    return args


def effective_preset(args) -> str:
    """The preset file, with --epochs and --finetune-epochs written into a derived one (in
    the work dir); warm-up epochs shrink to at most a tenth of the epochs."""
    preset = preset_file(args.preset)
    overrides = {}
    for name, epochs in (('pretrain', args.epochs), ('finetune', args.finetune_epochs)):
        if epochs is not None:
            warmup = read_preset(preset)[name]['warmup_epochs']
            overrides[name] = dict(epochs=epochs, warmup_epochs=min(warmup, epochs // 10))
    if not overrides:
        return preset
    return derived_preset(preset, osp.join(args.work_dir, 'preset.py'), **overrides)


def run(args) -> dict:
    """Run the benchmark that ``args`` (of :func:`build_parser`) describe; returns the
    results as recorded in ``results.json``."""
    args = resolve_defaults(args)
    preset = effective_preset(args)
    if read_preset(preset)['device'] == 'cuda' and not torch.cuda.is_available():
        raise ConfigError(f'preset {args.preset} trains on CUDA and no CUDA device is visible')
    os.makedirs(args.work_dir, exist_ok=True)
    logger = (MMLogger.get_instance('representation_benchmark')
              if MMLogger.check_instance_created('representation_benchmark') else
              MMLogger.get_instance('representation_benchmark', log_level='INFO'))
    logger.info(f'{" ".join(sys.argv)}\nwork dir {args.work_dir}; preset {preset}; '
                f'torch {torch.__version__}')
    start = time.perf_counter()
    benchmark = Benchmark(args, preset, logger)
    try:
        for method in args.methods:
            benchmark.run(method, args.evaluations)
        status = 'done'
    except Stopped as stopped:
        status = f'{stopped} (--stop-after {args.stop_after}); run again to continue'
    table = results_table(benchmark.results)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table)
    logger.info(f'{status}; {(time.perf_counter() - start) / 60:.1f} min\n\n{table}')
    return benchmark.results


def main(argv=None) -> dict:
    """The benchmark from a command line given as a list (errors are raised)."""
    return run(build_parser().parse_args(argv))


if __name__ == '__main__':
    run_tool(build_parser(), run)
