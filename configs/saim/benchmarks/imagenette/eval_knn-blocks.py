# k-NN of every block: ./eval_knn.py (20-NN, cosine, T = 0.07) on the mean patch token of each
# block's output, the first block to the last (knn/patch_mean/block_1 ... block_M). Every block
# is read WITHOUT the encoder's final norm, as the next block and SAIM's query stream read it
# (SAIM's final norm is not part of its pretraining), so the last block's entry can differ
# from eval_knn.py's patch mean, which is read after the final norm.
#   python tools/test.py configs/saim/benchmarks/imagenette/eval_knn-blocks.py $CKPT \
#     --work-dir work_dirs/representation_benchmark_cpu/saim/eval_knn-blocks \
#     --out work_dirs/representation_benchmark_cpu/saim/eval_knn-blocks/metrics.json
_base_ = ['./eval_knn.py']

model = dict(
    features=['patch_mean'],
    backbone=dict(out_indices=list(range(_base_.vit.arch.num_layers)), final_norm=False))
