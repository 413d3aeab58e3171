# mmsaim quick start:  make demo  (a short SAIM pretraining)   and   make test
#   PYTHON=python     install into / run with an existing environment instead of ./.venv
#   WHEELHOUSE=DIR    a folder with a prebuilt mmcv 2.1.0 wheel with ops (else built once)
#   DATA=DIR          run the demo on your own folder of images instead of the bundled
#                     CamVid frames (demo_data/camvid, 367 images)
# make demo-shared: the same recipe on the 670 photos of ../shared/data (what docs/ measured)
PYTHON ?=
WHEELHOUSE ?=
DATA ?= demo_data/camvid
PY := $(if $(PYTHON),$(PYTHON),.venv/bin/python)
INSTALL_ARGS := $(if $(PYTHON),--python $(PYTHON)) $(if $(WHEELHOUSE),--wheelhouse $(WHEELHOUSE))
DEMO_CONFIG := configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py
FOLDER_CONFIG := configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py
DEMO_DIR := work_dirs/saim_demo

.PHONY: install demo demo-shared test

install:
	bash tools/install.sh $(INSTALL_ARGS)

demo: install
	SAIM_DATA='$(DATA)' $(PY) tools/train.py $(FOLDER_CONFIG) --work-dir $(DEMO_DIR)
	@echo "checkpoints: $(DEMO_DIR)/epoch_*.pth  picture: $(DEMO_DIR)/reconstruction.png"

demo-shared: install
	@test -d ../shared/data || { echo "make demo-shared: ../shared/data not found;" \
		"run 'make demo' (bundled frames) or 'make demo DATA=/path/to/images'"; exit 2; }
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_DIR)
	@echo "checkpoints: $(DEMO_DIR)/epoch_*.pth  picture: $(DEMO_DIR)/reconstruction.png"

test: install
	$(PY) -m pytest tests
