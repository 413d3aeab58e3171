# Row "SAIM, stochastic": SAIM (the model base: stochastic order, Gaussian (9, 1) target) on the
# preset's ViT, with a query stream as deep and as wide as the encoder.
# tools/analysis/representation_benchmark.py runs every row and evaluation of the table as one
# tools/train.py or tools/test.py command each, and logs it; for this row, under the CPU
# preset (these configs; a preset in ./presets/ adds its --cfg-options), it pretrains with
#   python tools/train.py configs/saim/benchmarks/imagenette/pretrain_saim.py \
#     --work-dir work_dirs/representation_benchmark_cpu/saim/pretrain_saim --resume
# publishes the encoder as work_dirs/representation_benchmark_cpu/checkpoints/saim-XXXXXXXX.pth
# (XXXXXXXX: its hash; CKPT in the commands below and in the eval_*.py configs) and
# evaluates it with the eval_*.py configs.
#
# Its test is any-order prediction: the pretraining loss of the model on the val split's center
# crops in one order, in all and per prediction step (SAIM's mode='predict' and the
# PredictionStepLoss metric: prediction/loss, and prediction/step_loss from the first
# predicted patch to the last), with the training loss's definition (target, blur, norm_pix,
# MSE). The order is the model's: stochastic by default, each val image's order drawn from
# its index, so every model is scored on the same orders; raster and center-out are the
# fixed ones. The checkpoint holds the whole model (encoder, query stream and head):
#   python tools/test.py configs/saim/benchmarks/imagenette/pretrain_saim.py $CKPT \
#     --work-dir work_dirs/representation_benchmark_cpu/saim/eval_any-order_raster \
#     --out work_dirs/representation_benchmark_cpu/saim/eval_any-order_raster/metrics.json \
#     --cfg-options model.order=raster
# The rows that inherit this config test their own model the same way.
_base_ = ['./_base_/pretrain.py', '../../_base_/models/saim_vit-base-p16.py']

model = dict(
    data_preprocessor=dict(
        type='BatchCropSelfSupDataPreprocessor', batch_crop=_base_.pretrain_crop),
    backbone=dict(
        arch=dict(_base_.vit.arch, _delete_=True),
        img_size=_base_.crop_size,
        patch_size=_base_.vit.patch_size))

test_dataloader = dict(**_base_.evaluation_loader, dataset=dict(**_base_.images, split='val'))
test_evaluator = dict(type='PredictionStepLoss')
test_cfg = dict()
