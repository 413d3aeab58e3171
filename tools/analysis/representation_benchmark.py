r"""Imagenette representation benchmark: does pretraining with SAIM give a better encoder?

    python tools/analysis/representation_benchmark.py --device cpu    # the CPU preset
    python tools/analysis/representation_benchmark.py --device cuda   # ViT-S/8, 200 epochs
    python tools/analysis/representation_benchmark.py --preset cpu-48px \
        --methods saim saim_raster random                            # 36 patches per image

Runs the configs of ``configs/saim/benchmarks/imagenette/`` under one preset (``--preset``:
a name in ``presets/`` there or a preset file; by default ``--device``'s), each run as one
``tools/train.py`` or ``tools/test.py`` command with the preset's ``--cfg-options``, logged
whole before it runs (and kept in ``WORK_DIR/representation_benchmark.log``): that line,
run on its own from the same directory, repeats the run. For each row: its pretraining
(``pretrain_*.py``; ``random`` is the SAIM model's initial weights under the same seed,
built here), the publish step (``mmsaim.apis.publish_checkpoint``, into
``WORK_DIR/checkpoints/``), and each evaluation of the published encoder:

  knn         eval_knn.py: 20-NN, cosine, T = 0.07, train features as the bank;
  linear      eval_linear-cls.py, eval_linear-patch-mean.py: mmpretrain's linear probe on
              features computed once;
  attentive   eval_attentive.py: an attentive probe (one learned query over the patch
              tokens) on features computed once;
  knn_blocks  eval_knn-blocks.py: k-NN of the mean patch token of every block;
  any_order   the test of the row's own pretraining config, once per order (model.order:
              raster, stochastic, center-out): the pretraining loss of the row's model on
              the val images, and per prediction step (rows whose model is SAIM's only;
              the others skip it);
  finetune    eval_finetune.py: the whole encoder, layer-wise lr decay, Mixup / CutMix.

Each run has its own work dir, ``WORK_DIR/<row>/<config name>/`` (the any-order runs
``eval_any-order_<order>``: logs, checkpoints, the config). The results go to
``WORK_DIR/results.json`` after every stage; a rerun skips what is recorded, so evaluations
can be added to finished rows later (``--evaluations``), and a work dir that holds results
of other settings is refused. ``--stop-after MINUTES`` ends a training run at the first
epoch boundary past that time with a checkpoint (``TimeLimitHook``, in the command's
``--cfg-options``), or stops before the next evaluation; the next run of the benchmark
continues it (``tools/train.py --resume``). The tables (one row per encoder, one column per
evaluation, with seed, epochs, wall times and hardware; the any-order losses; the k-NN of
every block) are printed and written to ``WORK_DIR/results.md``;
``tools/analysis/plot_representation_benchmark.py`` draws the figures from results.json.
"""
import os
import os.path as osp
import sys
import time
from typing import List, Sequence

import torch
from mmengine.device import get_device
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper

from mmsaim.apis import publish_checkpoint
from mmsaim.cli import run_tool, tool_parser
from mmsaim.fileio import read_checkpoint
from mmsaim.runner import ConfigError, build_runner, prepare_runner_cfg, read_config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tools/ are scripts, not a package
from hardware import hardware_name  # noqa: E402
from imagenette_benchmark.presets import (config_file, load_config, preset_names,  # noqa: E402
                                          preset_values, read_preset)
from imagenette_benchmark.results import ResultsStore, data_summary  # noqa: E402
from imagenette_benchmark.rows import EVALUATIONS, ROWS, read_metric  # noqa: E402
from imagenette_benchmark.stages import (Command, checkpoint_options,  # noqa: E402
                                         data_options, length_options, logged_val_metrics,
                                         run_command, seed_options, test_metrics,
                                         time_limit_options, trained_checkpoint,
                                         trained_epochs, training_record)
from imagenette_benchmark.tables import results_table  # noqa: E402


class Stopped(Exception):
    """``--stop-after`` ended the run; a rerun continues."""


def link_by_method(published: str, method: str) -> None:
    """Point ``checkpoints/<method>.pth`` at the row's published encoder (whose name holds
    its hash, different for every run): the fixed name that configs outside the benchmark
    load (the transfer configs)."""
    link = osp.join(osp.dirname(published), f'{method}.pth')
    temporary = f'{link}.{os.getpid()}.tmp'
    os.symlink(osp.basename(published), temporary)
    os.replace(temporary, link)


def work_dir_logger(work_dir: str) -> MMLogger:
    """The driver's logger: the console, and ``representation_benchmark.log`` in
    ``work_dir`` (appended to)."""
    name = f'representation_benchmark {work_dir}'
    if MMLogger.check_instance_created(name):
        return MMLogger.get_instance(name)
    return MMLogger.get_instance(name, log_level='INFO', file_mode='a',
                                 log_file=osp.join(work_dir, 'representation_benchmark.log'))


def initial_weights(cfg) -> dict:
    """The state dict of ``cfg``'s model as its Runner builds and initializes it."""
    runner = build_runner(prepare_runner_cfg(cfg))
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    model.init_weights()
    return model.state_dict()


class Benchmark:
    """One run of the driver: the preset, the data, the results file, the deadline."""

    def __init__(self, args, preset, logger: MMLogger):
        self.args, self.preset, self.logger = args, preset, logger
        self.start = time.perf_counter()
        self.host = hardware_name(get_device())
        self.data = data_summary(args.data_root)
        finetune = EVALUATIONS['finetune'].runs['eval_finetune'].config
        self.epochs = {row.config: args.epochs for row in ROWS.values()}  # None: the preset's
        self.epochs[finetune] = args.finetune_epochs
        for probe in ('linear', 'attentive'):
            for run in EVALUATIONS[probe].runs.values():
                self.epochs[run.config] = args.probe_epochs
        values = preset_values(self.load(ROWS['saim'].config), self.load(finetune),
                               preset.device)
        self.store = ResultsStore(osp.join(args.work_dir, 'results.json'),
                                  dict(preset=values, seed=args.seed, data=self.data))

    def minutes_left(self) -> float:
        return max(0., self.args.stop_after - (time.perf_counter() - self.start) / 60)

    def past_deadline(self) -> bool:
        return self.args.stop_after is not None and self.minutes_left() == 0

    def load(self, config: str):
        """``config`` as a run of it reads it, with its :meth:`options`."""
        return load_config(config, self.options(config))

    def options(self, config: str, extra: Sequence[str] = ()) -> List[str]:
        """The ``--cfg-options`` of a run of ``config``: the preset's, the data's, the seed,
        the length (``--epochs``, ``--finetune-epochs``, ``--probe-epochs``), then
        ``extra``."""
        cfg = self.preset.load(config)
        options = self.preset.options(config) + data_options(
            cfg, self.args.data_root, self.data['classes']) + seed_options(cfg, self.args.seed)
        if self.epochs.get(config):
            options += length_options(cfg, self.epochs[config])
        return options + list(extra)

    def train(self, config: str, work_dir: str, options: List[str]) -> str:
        """Train ``config`` with ``tools/train.py`` in ``work_dir`` unless it is trained
        already (a stopped run continues); the final checkpoint. :class:`Stopped` if the
        time limit ended it early."""
        max_epochs = load_config(config, options).train_cfg.max_epochs
        checkpoint = trained_checkpoint(work_dir)
        if trained_epochs(checkpoint) < max_epochs:
            if self.args.stop_after is not None:
                options = options + time_limit_options(self.minutes_left())
            run_command(Command('train.py', config_file(config), work_dir, options),
                        self.logger)
            checkpoint = trained_checkpoint(work_dir)
        epochs = trained_epochs(checkpoint)
        if epochs < max_epochs:
            raise Stopped(f'{work_dir} stopped after epoch {epochs} of {max_epochs}')
        return checkpoint

    def pretrain(self, method: str) -> dict:
        """Pretrain ``method``'s row (``random``: build it only) and publish the model."""
        row = ROWS[method]
        work_dir = osp.join(self.args.work_dir, method, osp.splitext(row.config)[0])
        options = self.options(row.config)
        cfg = load_config(row.config, options)
        record = dict(epochs=cfg.train_cfg.max_epochs if row.pretrained else 0)
        if row.pretrained:
            self.logger.info(f'pretraining {method}: {row.name}')
            checkpoint = read_checkpoint(self.train(row.config, work_dir, options),
                                         map_location='cpu')
            record.update(training_record(checkpoint, cfg.train_dataloader.batch_size))
            state_dict = checkpoint['state_dict']
        else:
            cfg.work_dir = work_dir
            state_dict = initial_weights(cfg)
        meta = dict(method=method, epochs=record['epochs'], seed=self.args.seed,
                    preset=self.store.results['settings']['preset'], config=row.config)
        record['checkpoint'] = publish_checkpoint(
            dict(state_dict=state_dict, meta=meta),
            osp.join(self.args.work_dir, 'checkpoints', f'{method}.pth'))
        self.logger.info(f'{method}: published {record["checkpoint"]}')
        return record

    def applies(self, method: str, evaluation: str) -> bool:
        """Whether ``evaluation`` evaluates ``method``'s row: one that tests the row's own
        model needs a SAIM row (the any-order loss of an autoregressive model)."""
        if not EVALUATIONS[evaluation].row_model:
            return True
        return read_config(config_file(ROWS[method].config)).model.type == 'SAIM'

    def evaluate(self, method: str, evaluation: str, checkpoint: str) -> dict:
        """Run the runs of ``evaluation`` on the published ``checkpoint``."""
        spec = EVALUATIONS[evaluation]
        metrics, describe = {}, None
        for name, run in spec.runs.items():
            config = run.config or ROWS[method].config
            work_dir = osp.join(self.args.work_dir, method, name)
            options = self.options(config, run.options)
            cfg = load_config(config, options)
            describe = describe or spec.describe(cfg)
            if spec.trains:  # a probe or a fine-tune: its val metrics at the end
                self.train(config, work_dir, options + checkpoint_options(cfg, checkpoint))
                needed = [metric for r, metric in spec.results.values() if r == name]
                metrics[name] = logged_val_metrics(work_dir, cfg.train_cfg.max_epochs, needed)
                if metrics[name] is None:
                    raise ValueError(f'{work_dir} is trained but its logs hold no val metrics '
                                     'of the last epoch (stopped while validating?); remove '
                                     'it to train it again')
            else:  # nothing to train: a test of the checkpoint
                out = osp.join(work_dir, 'metrics.json')
                run_command(Command('test.py', config_file(config), work_dir, options,
                                    checkpoint, out), self.logger)
                metrics[name] = test_metrics(out)
        return dict({key: read_metric(metrics[name], metric)
                     for key, (name, metric) in spec.results.items()}, settings=describe)

    def run(self, method: str, evaluations) -> None:
        record = self.store.record(method, ROWS[method].name)
        todo = [e for e in evaluations if e not in record and self.applies(method, e)]
        if not todo:
            self.logger.info(f'{method}: finished earlier, skipped')
            return
        if 'pretrain' not in record or not osp.isfile(record['pretrain']['checkpoint']):
            record['pretrain'] = dict(self.pretrain(method), hardware=self.host)
            self.store.save()
        link_by_method(record['pretrain']['checkpoint'], method)
        for evaluation in todo:
            if self.past_deadline():
                raise Stopped(f'{method}: stopped before {evaluation}')
            start = time.perf_counter()
            result = self.evaluate(method, evaluation, record['pretrain']['checkpoint'])
            record[evaluation] = dict(result, seconds=time.perf_counter() - start,
                                      hardware=self.host)
            self.logger.info(f'{method} {evaluation}: {result}')
            self.store.save()


def build_parser():
    parser = tool_parser(__doc__)
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                        help='the preset of that name, unless --preset')
    parser.add_argument('--preset', help=f'one of {preset_names()} or a preset file')
    parser.add_argument('--data-root', default='data/imagenette',
                        help='an ImageNet-style folder with meta/{train,val}.txt')
    parser.add_argument('--work-dir', help='default: work_dirs/representation_benchmark_PRESET')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--methods', nargs='+', choices=list(ROWS), default=list(ROWS))
    parser.add_argument('--evaluations', nargs='+', choices=list(EVALUATIONS),
                        default=list(EVALUATIONS))
    parser.add_argument('--epochs', type=int, help="pretraining epochs instead of the preset's")
    parser.add_argument('--finetune-epochs', type=int,
                        help="fine-tuning epochs instead of the preset's")
    parser.add_argument('--probe-epochs', type=int,
                        help="linear and attentive probe epochs instead of the preset's")
    parser.add_argument('--stop-after', type=float, metavar='MINUTES',
                        help='end a training run at the first epoch boundary past this time '
                        '(or stop before the next evaluation), saving what a rerun needs')
    return parser


def resolve_defaults(args):
    """The preset, work dir and data root that ``args`` leave to their defaults, the paths
    absolute."""
    args.preset = args.preset or args.device
    name = osp.splitext(osp.basename(args.preset))[0]
    args.work_dir = osp.abspath(args.work_dir or osp.join(
        'work_dirs', f'representation_benchmark_{name}'))
    args.data_root = osp.abspath(args.data_root)
    return args


def run(args) -> dict:
    """Run the benchmark that ``args`` (of :func:`build_parser`) describe; returns the
    results as recorded in ``results.json``."""
    args = resolve_defaults(args)
    preset = read_preset(args.preset)
    if preset.device == 'cuda' and not torch.cuda.is_available():
        raise ConfigError(f'preset {args.preset} trains on CUDA and no CUDA device is visible')
    os.makedirs(args.work_dir, exist_ok=True)
    logger = work_dir_logger(args.work_dir)
    logger.info(f'{" ".join(sys.argv)}\nwork dir {args.work_dir}; preset {preset.name}; '
                f'torch {torch.__version__}')
    start = time.perf_counter()
    benchmark = Benchmark(args, preset, logger)
    try:
        for method in args.methods:
            benchmark.run(method, args.evaluations)
        status = 'done'
    except Stopped as stopped:
        status = f'{stopped} (--stop-after {args.stop_after}); run again to continue'
    table = results_table(benchmark.store.results)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table)
    logger.info(f'{status}; {(time.perf_counter() - start) / 60:.1f} min\n\n{table}')
    return benchmark.store.results


def main(argv=None) -> dict:
    """The benchmark from a command line given as a list (errors are raised)."""
    return run(build_parser().parse_args(argv))


if __name__ == '__main__':
    run_tool(build_parser(), run)
