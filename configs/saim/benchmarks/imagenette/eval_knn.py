# k-NN of frozen features: each val image is classified by its 20 most cosine-similar train
# images, votes weighted by exp(cos / 0.07), on the cls token and on the mean patch token of
# the encoder's last block (FrozenEncoder, KNNAccuracy: knn/cls, knn/patch_mean). Nothing is
# trained: evaluate a pretraining checkpoint (its backbone) directly (CKPT: see
# ./pretrain_saim.py):
#   python tools/test.py configs/saim/benchmarks/imagenette/eval_knn.py $CKPT \
#     --work-dir work_dirs/representation_benchmark_cpu/saim/eval_knn \
#     --out work_dirs/representation_benchmark_cpu/saim/eval_knn/metrics.json
_base_ = ['./_base_/evaluation.py']

model = _base_.frozen_encoder
test_dataloader = dict(**_base_.evaluation_loader,
                       dataset=dict(**_base_.images, split=['train', 'val']))
test_evaluator = dict(type='KNNAccuracy', k=20, temperature=0.07, bank_split='train')
test_cfg = dict()
