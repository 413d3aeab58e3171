# Any-order prediction: the pretraining loss of a SAIM model on the val split's center crops in
# one order, in all and per prediction step (SAIM's mode='predict' and the PredictionStepLoss
# metric: prediction/loss, and prediction/step_loss from the first predicted patch to the
# last), with the training loss's definition (target, blur, norm_pix, MSE). The order is the
# model's (model.order): stochastic by default, each val image's order drawn from its index,
# so every model is scored on the same orders; raster and center-out are the fixed ones.
# It reads the whole pretraining checkpoint (encoder, query stream and head) of the row whose
# pretraining config the environment variable SAIM_BENCHMARK_ROW names (relative to this
# folder; ./pretrain_saim.py without it):
#   python tools/test.py configs/saim/benchmarks/imagenette/eval_any-order.py CHECKPOINT \
#     --cfg-options model.order=raster
#   SAIM_BENCHMARK_ROW=./pretrain_vit-igpt.py python tools/test.py \
#     configs/saim/benchmarks/imagenette/eval_any-order.py CHECKPOINT
_base_ = ['{{$SAIM_BENCHMARK_ROW:./pretrain_saim.py}}']

test_dataloader = dict(**_base_.evaluation_loader, dataset=dict(**_base_.images, split='val'))
test_evaluator = dict(type='PredictionStepLoss')
test_cfg = dict()
# Nothing is trained.
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
