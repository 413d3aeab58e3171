# mmsaim quick start:  make demo  (a short SAIM pretraining)   and   make test
#   PYTHON=python     install into / run with an existing environment instead of ./.venv
#   WHEELHOUSE=DIR    a folder with a prebuilt mmcv 2.1.0 wheel with ops (else built once)
#   DATA=DIR          run the demo on your own folder of images instead of the bundled
#                     CamVid frames (demo_data/camvid, 367 images)
#   WORK_DIR=DIR      where the demo writes (default work_dirs/saim_demo)
PYTHON ?=
WHEELHOUSE ?=
DATA ?= demo_data/camvid
PY := $(if $(PYTHON),$(PYTHON),.venv/bin/python)
INSTALL_ARGS := $(if $(PYTHON),--python $(PYTHON)) $(if $(WHEELHOUSE),--wheelhouse $(WHEELHOUSE))
FOLDER_CONFIG := configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py
WORK_DIR ?= work_dirs/saim_demo

.PHONY: install demo test

install:
	bash tools/install.sh $(INSTALL_ARGS)

# --resume: a second `make demo` continues an interrupted demo (a finished one stays as it is)
demo: install
	$(PY) tools/train.py $(FOLDER_CONFIG) --work-dir $(WORK_DIR) --resume --cfg-options \
		train_dataloader.dataset.data_root='$(DATA)' test_dataloader.dataset.data_root='$(DATA)'
	@echo "checkpoints: $(WORK_DIR)/epoch_*.pth  picture: $(WORK_DIR)/reconstruction.png"

test: install
	OMP_NUM_THREADS=1 $(PY) -m pytest tests -n 2 --dist loadfile --no-loadscope-reorder
