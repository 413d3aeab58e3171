# mmsaim quick start:   make demo   (SAIM pretraining demo)   and   make test
# PYTHON=...      use an existing environment instead of ./.venv
# WHEELHOUSE=...  a folder holding a prebuilt mmcv 2.1.0 wheel with ops (else it is built once)
PYTHON ?=
WHEELHOUSE ?=
PY := $(if $(PYTHON),$(PYTHON),.venv/bin/python)
INSTALL_ARGS := $(if $(PYTHON),--python $(PYTHON)) $(if $(WHEELHOUSE),--wheelhouse $(WHEELHOUSE))

.PHONY: install demo test

install:
	bash tools/install.sh $(INSTALL_ARGS)

demo: install
	$(PY) tools/train.py configs/saim/saim_vit-tiny-p16_demo.py --work-dir work_dirs/saim_demo
	$(PY) tools/visualization/reconstruct.py configs/saim/saim_vit-tiny-p16_demo.py \
		work_dirs/saim_demo/epoch_$$($(PY) -c "from mmengine import Config; print(Config.fromfile('configs/saim/saim_vit-tiny-p16_demo.py').train_cfg.max_epochs)").pth \
		--out work_dirs/saim_demo/reconstruction.png

test: install
	$(PY) -m pytest tests
