"""Small real representation benchmark: SAIM vs ViT-iGPT vs MAE vs random init, on 2 CPU cores.

    python tools/analysis/small_transfer_benchmark.py [--work-dir DIR] [--seed 0]

1. Pretrain the same tiny ViT (width 192, 6 blocks, 8x8 patches) at 64 px for the same
   epochs on the unlabeled train images of ../shared/data with (a) SAIM, stochastic order,
   (b) SAIM raster order without a query stream (ViT-iGPT), (c) mmpretrain's MAE.
2. Linear-probe and fine-tune each encoder, and a randomly initialised one, on
   ../shared/data/hymenoptera (train split), and evaluate top-1 on its val split with
   tools/test.py (the last checkpoint, no model selection on val).
3. Print the table and write it, with the seeds and run times, to DIR/results.{md,json}.

Every run resumes or is skipped when its outputs exist, so an interrupted benchmark
continues where it stopped.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(ROOT, 'configs/saim/benchmarks/small')
PRETRAIN = {  # key: (row name, config)
    'saim': ('SAIM, stochastic order', 'saim_vit-tiny-p8_1xb32-coslr-60e_shared-64px.py'),
    'igpt': ('ViT-iGPT (raster, no decoder)', 'igpt_vit-tiny-p8_1xb32-coslr-60e_shared-64px.py'),
    'mae': ('MAE (mmpretrain)', 'mae_vit-tiny-p8_1xb32-coslr-60e_shared-64px.py'),
}
EVALUATIONS = {  # key: (column name, config)
    'linear': ('linear probe top-1', 'vit-tiny-p8_linear-1xb32-coslr-50e_hymenoptera-64px.py'),
    'finetune': ('fine-tune top-1', 'vit-tiny-p8_1xb32-coslr-50e_hymenoptera-64px.py'),
}


def run(args, log_file):
    start = time.time()
    with open(log_file, 'a') as log:
        proc = subprocess.run([sys.executable, *args], cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    if proc.returncode:
        with open(log_file) as log:
            tail = log.read()[-3000:]
        raise SystemExit(f'failed ({proc.returncode}): {" ".join(args)}\n{tail}')
    return time.time() - start


def last_checkpoint(work_dir, config):
    from mmengine.config import Config
    epochs = Config.fromfile(config).train_cfg.max_epochs
    return osp.join(work_dir, f'epoch_{epochs}.pth')


def pretrain(key, work_root, seed, times):
    config = osp.join(CONFIGS, PRETRAIN[key][1])
    work_dir = osp.join(work_root, f'pretrain_{key}')
    ckpt = last_checkpoint(work_dir, config)
    if not osp.isfile(ckpt):
        print(f'pretraining {PRETRAIN[key][0]} -> {work_dir}', flush=True)
        times[f'pretrain_{key}'] = run([
            'tools/train.py', config, '--work-dir', work_dir, '--resume', '--cfg-options',
            f'randomness.seed={seed}'], osp.join(work_root, f'pretrain_{key}.log'))
    return ckpt


def evaluate(encoder, ckpt, evaluation, work_root, seed, times):
    config = osp.join(CONFIGS, EVALUATIONS[evaluation][1])
    work_dir = osp.join(work_root, f'{evaluation}_{encoder}')
    metrics_file = osp.join(work_dir, 'metrics.json')
    if not osp.isfile(metrics_file):
        print(f'{evaluation} of {encoder} -> {work_dir}', flush=True)
        init = (f'model.backbone.init_cfg.checkpoint={ckpt}'
                if ckpt else 'model.backbone.init_cfg=None')
        log = osp.join(work_root, f'{evaluation}_{encoder}.log')
        elapsed = run(['tools/train.py', config, '--work-dir', work_dir, '--resume',
                       '--cfg-options', init, f'randomness.seed={seed}'], log)
        elapsed += run(['tools/test.py', config, last_checkpoint(work_dir, config),
                        '--work-dir', work_dir, '--out', metrics_file], log)
        times[f'{evaluation}_{encoder}'] = elapsed
    with open(metrics_file) as f:
        return json.load(f)['accuracy/top1']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/small_benchmark'))
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    work_root = osp.abspath(args.work_dir)
    subprocess.run(['mkdir', '-p', work_root], check=True)
    times = {}
    encoders = {key: pretrain(key, work_root, args.seed, times) for key in PRETRAIN}
    encoders['random'] = None
    names = {**{k: v[0] for k, v in PRETRAIN.items()}, 'random': 'random init (no pretraining)'}
    results = {
        enc: {ev: evaluate(enc, ckpt, ev, work_root, args.seed, times) for ev in EVALUATIONS}
        for enc, ckpt in encoders.items()
    }
    header = '| encoder | ' + ' | '.join(v[0] for v in EVALUATIONS.values()) + ' |'
    lines = [header, '|' + ' --- |' * (len(EVALUATIONS) + 1)]
    for enc, row in results.items():
        lines.append(f'| {names[enc]} | ' + ' | '.join(f'{row[ev]:.2f}' for ev in EVALUATIONS)
                     + ' |')
    table = '\n'.join(lines)
    note = (f'seed {args.seed} for every pretraining and evaluation run; hymenoptera val '
            '(153 images), top-1 (%) of the last checkpoint.')
    print(table + '\n' + note)
    with open(osp.join(work_root, 'results.md'), 'w') as f:
        f.write(table + '\n\n' + note + '\n')
    with open(osp.join(work_root, 'results.json'), 'w') as f:
        json.dump(dict(seed=args.seed, top1=results, seconds=times), f, indent=2)


if __name__ == '__main__':
    main()
