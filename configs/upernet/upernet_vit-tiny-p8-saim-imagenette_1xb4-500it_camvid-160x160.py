# The CamVid UperNet of upernet_vit-tiny-p8-saim-demo_1xb4-500it_camvid-160x160.py, started
# from the SAIM encoder that the CPU representation benchmark pretrains on Imagenette
# (stochastic order, 20 epochs on 32 px crops of 9,469 images; docs/representation_benchmark.md):
#   python tools/analysis/representation_benchmark.py --device cpu --methods saim
# The driver names the published encoder checkpoints/saim.pth too (a link to the file named
# by its hash); the position embeddings (made for 32 px, a 4x4 grid) are interpolated to
# each input. Random init for comparison:
#   --cfg-options model.backbone.init_cfg=None
_base_ = ['./upernet_vit-tiny-p8-saim-demo_1xb4-500it_camvid-160x160.py']

model = dict(backbone=dict(
    img_size=32,
    init_cfg=dict(checkpoint='work_dirs/representation_benchmark_cpu/checkpoints/saim.pth')))
