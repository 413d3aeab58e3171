"""Imagenette representation benchmark: does pretraining with SAIM give a better encoder?

    python tools/analysis/representation_benchmark.py --device cpu    # ~1 h on 2 CPU cores
    python tools/analysis/representation_benchmark.py --device cuda   # the reference run

The same ViT is pretrained without labels on the train split of ``--data-root`` (any
ImageNet-style folder with ``meta/{train,val}.txt``; Imagenette by default), with the same
crops, epochs, optimizer and seed, by
  saim         SAIM, stochastic order, full query stream, Gaussian (9, 1) target;
  saim_raster  the same in raster order (SAIM.md Table 3's order comparison);
  saim_light   SAIM, stochastic, with a light query stream (not in the paper): half the
               encoder's width, a third of its depth, attached to evenly spaced blocks;
  igpt         ViT-iGPT: raster order, no query stream (the encoder output at step t predicts
               patch t + 1);
  mae          mmpretrain's MAE (mask ratio 0.75, decoder 2/3 of the encoder's width and depth);
  random       no pretraining: the SAIM model's initial weights under the same seed.
Each encoder goes through ``publish_checkpoint`` and is read back into a stock mmpretrain
``VisionTransformer``, then evaluated on the val split:
  knn       20-NN, cosine, temperature 0.07, on frozen features;
  linear    BatchNorm + linear head (MAE's probe) trained on features extracted once;
  finetune  the whole encoder, layer-wise lr decay, classifying the mean of the patch tokens
            through a new LayerNorm (``out_type='avg_featmap'``, ``final_norm=False``).
k-NN and linear probe read two features of the last block: its ``cls`` token and the mean
of its patch tokens (both after the encoder's final LayerNorm).

``--device cuda``: ViT-S/8 (width 384, 12 blocks) on 64 px crops, 200 pretraining epochs,
all three evaluations, bf16 autocast. ``--device cpu``: ViT width 192, 6 blocks, 8x8
patches on 32 px crops, fewer epochs, k-NN and linear probe. The images are decoded once
into one tensor on the device and every batch is cropped there.

Results go to ``WORK_DIR/results.json`` after every stage of every method; a rerun skips
what is recorded (a method whose evaluations are all recorded is not even loaded), so the
table can be filled over several runs. A work dir that holds results of other settings is
refused. ``--stop-after MINUTES`` ends a run at the first pretraining epoch boundary (or
before the first evaluation) past that time, saving the pretraining state in
``WORK_DIR/pretrain_state/``; the next run continues from it exactly. The table (one row
per encoder, one column per evaluation, with seeds, epochs, wall times and hardware) is
printed and written to ``WORK_DIR/results.md``.
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import time

# OpenMP threads that spin while they wait make a step ~10x slower whenever another process
# holds one of the cores of a small shared machine; waiting passively costs nothing here.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import torch  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import set_random_seed  # noqa: E402
from mmpretrain.registry import MODELS  # noqa: E402

import mmsaim  # noqa: F401,E402  (registers SAIM in mmpretrain's registries)
from mmsaim.apis import publish_checkpoint  # noqa: E402
from mmsaim.datasets import (center_crop, load_image_tensors,  # noqa: E402
                             random_resized_crop)
from mmsaim.engine.in_memory_loop import (  # noqa: E402
    iters_per_epoch, load_training_state, save_training_state, train_in_memory,
    warmup_cosine_schedulers)
from mmsaim.evaluation import (  # noqa: E402
    extract_features, finetune_classifier, knn_classify, linear_probe, top1_accuracy)
from mmsaim.paths import REPO_ROOT  # noqa: E402
from mmsaim.runner import replace_file_atomically  # noqa: E402

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tools/ are scripts, not a package
from hardware import hardware_name  # noqa: E402

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]

PRESETS = {
    'cuda': dict(
        arch=dict(embed_dims=384, num_layers=12, num_heads=6, feedforward_channels=1536),
        patch_size=8, crop_size=64, epochs=200, warmup_epochs=20, batch_size=256, lr=1e-3,
        crop_scale=(0.2, 1.), bf16=True, evaluations=['knn', 'linear', 'finetune'],
        finetune=dict(epochs=50, warmup_epochs=5, batch_size=256, lr=1e-3, layer_decay=0.75,
                      drop_path=0.1)),
    'cpu': dict(
        arch=dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768),
        patch_size=8, crop_size=32, epochs=20, warmup_epochs=2, batch_size=128, lr=1e-3,
        crop_scale=(0.2, 1.), bf16=False, evaluations=['knn', 'linear'],
        finetune=dict(epochs=15, warmup_epochs=2, batch_size=128, lr=1e-3, layer_decay=0.75,
                      drop_path=0.1)),
}
METHODS = {
    'saim': 'SAIM, stochastic order, query stream, Gaussian (9, 1)',
    'saim_raster': 'SAIM, raster order, query stream, Gaussian (9, 1)',
    'saim_light': 'SAIM, stochastic order, light query stream (1/2 wide, 1/3 deep)',
    'igpt': 'ViT-iGPT (raster, no query stream), Gaussian (9, 1)',
    'mae': 'MAE (mmpretrain, mask ratio 0.75)',
    'random': 'random init (no pretraining)',
}
EVALUATIONS = ('knn', 'linear', 'finetune')
FEATURES = ('cls', 'patch_mean')
KNN = dict(k=20, temperature=0.07)
LINEAR = dict(epochs=90, batch_size=256, lr=0.1)


def saim_model(preset, order='stochastic', query_stream=True, light=False):
    """SAIM on the preset's encoder; its query stream as wide and deep as the encoder, or
    light: half as wide (half the heads), a third as deep (as the ViT-B ablation
    ``light-dec4-w384``: 384 wide, 4 of 12 blocks)."""
    arch, p = preset['arch'], preset['patch_size']
    dims, depth, heads = arch['embed_dims'], arch['num_layers'], arch['num_heads']
    stream = dict(embed_dims=dims // 2, num_heads=max(heads // 2, 1),
                  depth=depth // 3) if light else dict(embed_dims=dims, num_heads=heads,
                                                        depth=depth)
    return dict(
        type='SAIM',
        order=order,
        data_preprocessor=dict(type='SAIMDataPreprocessor', patch_size=p, mean=MEAN, std=STD,
                               to_rgb=True),
        backbone=dict(type='SAIMViT', arch=arch, img_size=preset['crop_size'], patch_size=p),
        neck=dict(type='SAIMQueryDecoder', **stream) if query_stream else None,
        head=dict(type='SAIMPixelHead', patch_size=p, norm_pix=True,
                  blur=dict(kernel_size=9, sigma=1.)))


def mae_model(preset):
    """mmpretrain's MAE; its ViT-B decoder (512 wide, 8 blocks for 768 x 12) scaled to the
    encoder: 2/3 of its width and depth, 32-wide heads."""
    arch, p = preset['arch'], preset['patch_size']
    width = arch['embed_dims'] * 2 // 3
    return dict(
        type='MAE',
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD, to_rgb=True),
        backbone=dict(type='MAEViT', arch=arch, img_size=preset['crop_size'], patch_size=p,
                      mask_ratio=0.75),
        neck=dict(type='MAEPretrainDecoder', num_patches=(preset['crop_size'] // p)**2,
                  patch_size=p, in_chans=3, embed_dim=arch['embed_dims'],
                  decoder_embed_dim=width, decoder_depth=arch['num_layers'] * 2 // 3,
                  decoder_num_heads=width // 32, mlp_ratio=4.),
        head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=p,
                  loss=dict(type='PixelReconstructionLoss', criterion='L2')),
        init_cfg=[dict(type='Xavier', layer='Linear', distribution='uniform'),
                  dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)])


def pretraining_model(method, preset):
    if method == 'mae':
        return mae_model(preset)
    return saim_model(preset, order='raster' if method in ('saim_raster', 'igpt') else
                      'stochastic', query_stream=method != 'igpt', light=method == 'saim_light')


def optim_wrapper_cfg(preset, optimizer, **kwargs):
    """bf16 autocast through mmengine's ``AmpOptimWrapper`` on CUDA, fp32 otherwise."""
    wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16') if preset['bf16'] else dict()
    return dict(wrapper, optimizer=optimizer, **kwargs)


class Stopped(Exception):
    """``--stop-after`` ended the run; a rerun continues."""


class Benchmark:
    """One benchmark run: the data on the device, the record file, the logger."""

    def __init__(self, args, preset, logger):
        self.args, self.preset, self.logger = args, preset, logger
        self.start = time.perf_counter()
        self.device = args.device
        self.results_file = osp.join(args.work_dir, 'results.json')
        load = preset['crop_size'] * 9 // 8  # crops cover (8/9)^2 of the stored image
        self.train = load_image_tensors(args.data_root, 'train', load)
        self.val = load_image_tensors(args.data_root, 'val', load)
        self.train_images = self.train.images.to(self.device)
        self.val_images = self.val.images.to(self.device)
        logger.info(f'{len(self.train_images)} train / {len(self.val_images)} val images, '
                    f'{len(self.train.classes)} classes, stored at {load} px, loaded in '
                    f'{time.perf_counter() - self.start:.0f} s')
        self.settings = json.loads(json.dumps(dict(  # as the record file holds them
            preset=preset, seed=args.seed, knn=KNN, linear=LINEAR,
            data=dict(train=len(self.train_images), val=len(self.val_images),
                      classes=len(self.train.classes)))))
        self.results = self.load_results()

    def load_results(self):
        if not osp.isfile(self.results_file):
            return dict(settings=self.settings, methods={})
        with open(self.results_file) as f:
            results = json.load(f)
        if results['settings'] != self.settings:
            differ = {key: (results['settings'].get(key), value)
                      for key, value in self.settings.items()
                      if results['settings'].get(key) != value}
            raise SystemExit(f'{self.results_file} holds results of other settings '
                             f'(recorded, now): {differ}. Use another --work-dir.')
        return results

    def save_results(self):
        replace_file_atomically(self.results_file, json.dumps(self.results, indent=1).encode())

    def generator(self, device='cpu', offset=0):
        return torch.Generator(device).manual_seed(self.args.seed + offset)

    def pretrain(self, method):
        """Train ``method``'s model (none for ``random``) and publish it.

        With ``--stop-after``, training ends at the first epoch boundary past the deadline
        and its state is saved; the next run continues from it.
        """
        preset = self.preset
        set_random_seed(self.args.seed)
        model = MODELS.build(pretraining_model(method, preset)).to(self.device)
        model.init_weights()
        record = dict(epochs=0 if method == 'random' else preset['epochs'])
        if method != 'random':
            optim_wrapper = build_optim_wrapper(model, optim_wrapper_cfg(
                preset,
                dict(type='AdamW', lr=preset['lr'], betas=(0.9, 0.95), weight_decay=0.05),
                paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0., custom_keys={
                    'pos_embed': dict(decay_mult=0.), 'cls_token': dict(decay_mult=0.),
                    'mask_token': dict(decay_mult=0.)})))
            steps = iters_per_epoch(len(self.train_images), preset['batch_size'])
            schedulers = warmup_cosine_schedulers(optim_wrapper, preset['warmup_epochs'] * steps,
                                                  preset['epochs'] * steps, eta_min=1e-5)
            generators = dict(shuffle=self.generator(), crops=self.generator(self.device, 1))

            def make_batch(index):
                return dict(inputs=random_resized_crop(
                    self.train_images[index.to(self.device)], preset['crop_size'],
                    preset['crop_scale'], generator=generators['crops']), data_samples=None)

            state_file = osp.join(self.args.work_dir, 'pretrain_state', f'{method}.pth')
            done = dict(epochs_done=0, extra=dict(seconds=0., losses=[]))
            if osp.isfile(state_file):
                done = load_training_state(state_file, model, optim_wrapper, schedulers,
                                           generators)
                self.logger.info(f'{method}: continuing after epoch {done["epochs_done"]}')
            self.logger.info(f'pretraining {method}: {METHODS[method]}')
            stats = train_in_memory(model, optim_wrapper, make_batch, len(self.train_images),
                                    preset['epochs'], preset['batch_size'], schedulers,
                                    generators['shuffle'], self.logger,
                                    start_epoch=done['epochs_done'],
                                    stop=lambda epoch: self.past_deadline())
            seconds = done['extra']['seconds'] + stats['seconds']
            losses = done['extra']['losses'] + stats['losses']
            if stats['epochs_done'] < preset['epochs']:
                save_training_state(state_file, stats['epochs_done'], model, optim_wrapper,
                                    schedulers, generators, dict(seconds=seconds, losses=losses))
                raise Stopped(f'{method} stopped after epoch {stats["epochs_done"]}, its state '
                              f'saved in {state_file}')
            if osp.isfile(state_file):
                os.remove(state_file)
            record.update(iters=preset['epochs'] * steps, seconds=seconds, losses=losses,
                          samples_per_second=preset['epochs'] * steps * min(
                              preset['batch_size'], len(self.train_images)) / seconds)
        meta = dict(method=method, epochs=record['epochs'], seed=self.args.seed,
                    preset=preset, data_root=self.args.data_root)
        record['checkpoint'] = publish_checkpoint(
            dict(state_dict=model.state_dict(), meta=meta),
            osp.join(self.args.work_dir, 'checkpoints', f'{method}.pth'))
        return record

    def past_deadline(self):
        return self.args.stop_after is not None and (
            time.perf_counter() - self.start) / 60 > self.args.stop_after

    def encoder_cfg(self, checkpoint, **kwargs):
        preset = self.preset
        return dict(type='VisionTransformer', arch=preset['arch'], img_size=preset['crop_size'],
                    patch_size=preset['patch_size'],
                    init_cfg=dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone.'),
                    **kwargs)

    def frozen_features(self, checkpoint):
        encoder = MODELS.build(self.encoder_cfg(checkpoint, out_type='raw',
                                                final_norm=True)).to(self.device)
        encoder.init_weights()
        preprocessor = MODELS.build(dict(type='ClsDataPreprocessor', mean=MEAN, std=STD,
                                         to_rgb=True)).to(self.device)

        def preprocess(batch):
            crops = center_crop(batch, self.preset['crop_size'])
            return preprocessor(dict(inputs=crops, data_samples=None))['inputs']

        return (extract_features(encoder, self.train_images, preprocess),
                extract_features(encoder, self.val_images, preprocess))

    def evaluate_frozen(self, evaluation, train_feats, val_feats):
        num_classes = len(self.train.classes)
        labels = self.train.labels.to(self.device)
        top1 = {}
        for feature in FEATURES:
            if evaluation == 'knn':
                scores = knn_classify(train_feats[feature], labels, val_feats[feature],
                                      num_classes, **KNN)
            else:
                scores = linear_probe(train_feats[feature], labels, val_feats[feature],
                                      num_classes, generator=self.generator(), **LINEAR)
            top1[feature] = top1_accuracy(scores, self.val.labels)
        return top1

    def finetune(self, checkpoint):
        preset, cfg = self.preset, self.preset['finetune']
        num_classes = len(self.train.classes)
        model_cfg = dict(
            type='ImageClassifier',
            data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=num_classes,
                                   mean=MEAN, std=STD, to_rgb=True),
            backbone=self.encoder_cfg(checkpoint, drop_path_rate=cfg['drop_path'],
                                      out_type='avg_featmap', final_norm=False),
            head=dict(type='LinearClsHead', num_classes=num_classes,
                      in_channels=preset['arch']['embed_dims'],
                      loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
                      init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
            train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8),
                                     dict(type='CutMix', alpha=1.0)]))
        optim_wrapper = optim_wrapper_cfg(
            preset, dict(type='AdamW', lr=cfg['lr'], weight_decay=0.05, betas=(0.9, 0.999)),
            constructor='LearningRateDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=cfg['layer_decay'], custom_keys={
                '.ln': dict(decay_mult=0.), '.bias': dict(decay_mult=0.),
                '.cls_token': dict(decay_mult=0.), '.pos_embed': dict(decay_mult=0.)}))
        set_random_seed(self.args.seed)
        logits, stats = finetune_classifier(
            model_cfg, optim_wrapper, self.train_images, self.train.labels, self.val_images,
            preset['crop_size'], cfg['epochs'], cfg['batch_size'], cfg['warmup_epochs'],
            device=self.device, generator=self.generator(), logger=self.logger)
        return dict(top1=top1_accuracy(logits, self.val.labels), epochs=cfg['epochs'],
                    losses=stats['losses'])

    def run_method(self, method, evaluations):
        record = self.results['methods'].setdefault(method, dict(name=METHODS[method]))
        todo = [e for e in evaluations if e not in record]
        if not todo:
            self.logger.info(f'{method}: finished earlier, skipped')
            return
        host = hardware_name(self.device)
        if 'pretrain' not in record or not osp.isfile(record['pretrain']['checkpoint']):
            record['pretrain'] = dict(self.pretrain(method), hardware=host)
            self.save_results()
        checkpoint = record['pretrain']['checkpoint']
        features = None
        for evaluation in todo:
            if self.past_deadline():
                raise Stopped(f'{method}: stopped before {evaluation}')
            start = time.perf_counter()
            if evaluation == 'finetune':
                result = self.finetune(checkpoint)
            else:
                features = features or self.frozen_features(checkpoint)
                result = self.evaluate_frozen(evaluation, *features)
            record[evaluation] = dict(result, seconds=time.perf_counter() - start,
                                      hardware=host)
            self.logger.info(f'{method} {evaluation}: {result}')
            self.save_results()


def cell(record, evaluation, feature=None):
    if evaluation not in record:
        return '-'
    value = record[evaluation][feature] if feature else record[evaluation]['top1']
    return f'{value:.2f}'


def minutes(record, evaluations):
    pretrain = record.get('pretrain', {}).get('seconds', 0.)
    evaluate = sum(record[e]['seconds'] for e in evaluations if e in record)
    return f'{pretrain / 60:.1f} + {evaluate / 60:.1f}'


def results_table(results):
    """The results as Markdown: one row per encoder, one column per evaluation."""
    settings, methods = results['settings'], results['methods']
    preset = settings['preset']
    columns = [('knn', 'cls'), ('knn', 'patch_mean'), ('linear', 'cls'),
               ('linear', 'patch_mean'), ('finetune', None)]
    names = {'knn': 'k-NN', 'linear': 'linear', 'finetune': 'fine-tune',
             'cls': 'cls', 'patch_mean': 'patch mean', None: 'avg + LN'}
    header = ['encoder'] + [f'{names[e]} ({names[f]})' for e, f in columns] + [
        'pretrain epochs', 'loss first -> last', 'minutes', 'hardware']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
    for method in METHODS:
        if method not in methods:
            continue
        record = methods[method]
        pretrain = record.get('pretrain', {})
        losses = pretrain.get('losses')
        loss = f'{losses[0][1]:.3f} -> {losses[-1][1]:.3f}' if losses else '-'
        hosts = sorted({record[k]['hardware'] for k in ('pretrain', *EVALUATIONS)
                        if k in record})
        row = [record['name']] + [cell(record, e, f) for e, f in columns] + [
            str(pretrain.get('epochs', '-')), loss, minutes(record, EVALUATIONS),
            '; '.join(hosts)]
        lines.append('| ' + ' | '.join(row) + ' |')
    arch = preset['arch']
    note = (f"{settings['data']['val']} val images, top-1 (%). ViT width {arch['embed_dims']}, "
            f"{arch['num_layers']} blocks, {preset['patch_size']}x{preset['patch_size']} "
            f"patches, {preset['crop_size']} px crops; pretraining {preset['epochs']} epochs on "
            f"{settings['data']['train']} unlabeled train images, batch {preset['batch_size']}, "
            f"AdamW lr {preset['lr']}; seed {settings['seed']} for every run. k-NN: k = "
            f"{settings['knn']['k']}, T = {settings['knn']['temperature']}; linear: "
            f"{settings['linear']['epochs']} epochs on frozen features")
    if any('finetune' in record for record in methods.values()):
        note += (f"; fine-tune: {preset['finetune']['epochs']} epochs, layer decay "
                 f"{preset['finetune']['layer_decay']}")
    note += '. Minutes: pretraining + evaluations.'
    return '\n'.join(lines) + '\n\n' + note + '\n'


def named_logger(name, level):
    if MMLogger.check_instance_created(name):
        return MMLogger.get_instance(name)
    return MMLogger.get_instance(name, log_level=level)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=sorted(PRESETS), default='cpu',
                        help='the preset and the device it runs on')
    parser.add_argument('--data-root', default=osp.join(REPO_ROOT, '../shared/data/imagenette'),
                        help='an ImageNet-style folder with meta/{train,val}.txt')
    parser.add_argument('--work-dir', help='default: work_dirs/representation_benchmark_DEVICE')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--methods', nargs='+', choices=list(METHODS), default=list(METHODS))
    parser.add_argument('--evaluations', nargs='+', choices=EVALUATIONS,
                        help="default: the preset's")
    parser.add_argument('--epochs', type=int, help="pretraining epochs instead of the preset's")
    parser.add_argument('--finetune-epochs', type=int,
                        help="fine-tuning epochs instead of the preset's")
    parser.add_argument('--stop-after', type=float, metavar='MINUTES',
                        help='end at the first pretraining epoch boundary (or before the first '
                        'evaluation) past this time, saving what a rerun needs to continue')
    args = parser.parse_args(argv)
    args.work_dir = osp.abspath(args.work_dir or osp.join(
        REPO_ROOT, 'work_dirs', f'representation_benchmark_{args.device}'))
    args.data_root = osp.abspath(args.data_root)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: no CUDA device is visible')
    preset = copy.deepcopy(PRESETS[args.device])
    if args.epochs is not None:
        preset['epochs'] = args.epochs
        preset['warmup_epochs'] = min(preset['warmup_epochs'], args.epochs // 10)
    if args.finetune_epochs is not None:
        preset['finetune']['epochs'] = args.finetune_epochs
        preset['finetune']['warmup_epochs'] = min(preset['finetune']['warmup_epochs'],
                                                  args.finetune_epochs // 10)
    evaluations = args.evaluations or preset['evaluations']
    del preset['evaluations']  # not a setting: evaluations can be added to a work dir later
    if args.device == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    os.makedirs(args.work_dir, exist_ok=True)
    init_default_scope('mmpretrain')
    logger = named_logger('representation_benchmark', 'INFO')
    # mmengine's own messages (weight-init reports, checkpoint keys) go to the "current"
    # logger, the latest created: a second one, which shows them from WARNING up.
    named_logger('representation_benchmark_mmengine', 'WARNING')
    logger.info(f'{" ".join(sys.argv)}\nwork dir {args.work_dir}; {hardware_name(args.device)}; '
                f'torch {torch.__version__}')
    start = time.perf_counter()
    benchmark = Benchmark(args, preset, logger)
    try:
        for method in args.methods:
            benchmark.run_method(method, evaluations)
        status = 'done'
    except Stopped as stopped:
        status = f'{stopped} (--stop-after {args.stop_after}); run again to continue'
    table = results_table(benchmark.results)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table)
    logger.info(f'{status}; {(time.perf_counter() - start) / 60:.1f} min\n\n{table}')
    return benchmark.results


if __name__ == '__main__':
    main()
