# Attentive probe (the read-out AIM evaluates autoregressive encoders with): one learned query
# attends over the patch tokens of the last block (after the final norm, as the k-NN and the
# linear probes read them): AttentivePooling (BatchNorm without affine on the tokens, key and
# value projections, the encoder's number of heads), then LinearClsHead (init std 0.01,
# cross-entropy). AdamW (0.9, 0.999), lr 1e-3, weight decay 0.05 (the fine-tune's optimizer),
# batch 256, a cosine over 90 epochs (the linear probe's length); top-1 on the val split at the
# end. The same recipe for every encoder, chosen before any run, nothing tuned. The patch
# tokens of the center crops are computed once (EncoderFeatureDataset, feature 'patches'),
# so an epoch costs no encoder pass. The checkpoint as for ./eval_linear-cls.py:
#   python tools/train.py configs/saim/benchmarks/imagenette/eval_attentive.py \
#     --work-dir work_dirs/representation_benchmark_cpu/saim/eval_attentive --resume \
#     --cfg-options train_dataloader.dataset.encoder.backbone.init_cfg.checkpoint=$CKPT \
#     val_dataloader.dataset.encoder.backbone.init_cfg.checkpoint=$CKPT
_base_ = ['./eval_linear-cls.py']

patch_tokens = dict(feature='patches', encoder=dict(features=['patches']))
train_dataloader = dict(dataset=patch_tokens)
val_dataloader = dict(dataset=patch_tokens)

model = dict(
    neck=dict(
        _delete_=True,
        type='AttentivePooling',
        in_channels=_base_.vit.arch.embed_dims,
        num_heads=_base_.vit.arch.num_heads))

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05))
