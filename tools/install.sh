#!/usr/bin/env bash
# Install the tested OpenMMLab 2.0 stack and mmsaim (editable) into one Python environment.
#
#   bash tools/install.sh [--python PY] [--wheelhouse DIR]...
#
# PY defaults to $PYTHON, else ./.venv/bin/python (the venv is created if missing).
# mmcv 2.1.0 with compiled ops is taken, in this order, from: every --wheelhouse DIR, the
# directories in $PIP_FIND_LINKS, the project's own .wheelhouse/ (where builds are kept), and
# otherwise built from the package index's source tarball (~35 min on 2 cores) and kept in
# .wheelhouse/ so the next install takes seconds.
# Set SKIP_TORCH=1 when torch/torchvision are already installed (e.g. a CUDA build).
# A second run with nothing changed only checks the stack and returns.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-}"
WHEELHOUSES=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --python) PY="$2"; shift 2 ;;
        --wheelhouse) WHEELHOUSES+=("$(cd "$2" && pwd)"); shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if [[ -n "${PIP_FIND_LINKS:-}" ]]; then
    for d in $PIP_FIND_LINKS; do [[ -d "$d" ]] && WHEELHOUSES+=("$(cd "$d" && pwd)"); done
fi
LOCAL_WHEELHOUSE="$ROOT/.wheelhouse"
mkdir -p "$LOCAL_WHEELHOUSE"
WHEELHOUSES+=("$LOCAL_WHEELHOUSE")

if [[ -z "$PY" ]]; then
    PY="$ROOT/.venv/bin/python"
    if [[ ! -x "$PY" ]]; then
        echo ">> creating virtual environment $ROOT/.venv"
        python3 -m venv "$ROOT/.venv"
    fi
fi
log() { echo ">> $*"; }

# Everything that decides what gets installed; a change re-runs the install.
STAMP_KEY="$(cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" | sha256sum | cut -d' ' -f1)"
STAMP="$("$PY" -c 'import sys; print(sys.prefix)')/.mmsaim-install-stamp"

check_stack() {
    "$PY" - <<'EOF'
import torch
from mmcv.ops import RoIAlign, nms
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
scores = torch.tensor([0.9, 0.8, 0.7])
_, keep = nms(boxes, scores, iou_threshold=0.5)
assert keep.tolist() == [0, 2], keep
feat = torch.arange(16.).view(1, 1, 4, 4)
out = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2)(feat, torch.tensor([[0., 0., 0., 4., 4.]]))
assert out.shape == (1, 1, 2, 2), out.shape
import mmdet, mmengine, mmpretrain, mmseg, mmcv, mmsaim
print(f'stack OK: torch {torch.__version__}, mmcv {mmcv.__version__} (ops), '
      f'mmengine {mmengine.__version__}, mmpretrain {mmpretrain.__version__}, '
      f'mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, mmsaim {mmsaim.__version__}')
EOF
}

# OpenMMLab's mim (`mim search|train|test mmsaim`) reads the package's files from
# <site-packages>/mmsaim/.mim, where a wheel has them. An editable install has them in the
# source tree's mmsaim/.mim (links that setup.py makes) and nothing in site-packages: link the
# source package there, imported through the link as the same files, and record the link with
# the install so that `pip uninstall mmsaim` removes it.
link_package_for_mim() {
    # -I: the installed distribution, not the mmsaim.egg-info of the current directory
    "$PY" -I - "$ROOT/mmsaim" <<'EOF'
import importlib.metadata as md
import os
import sys

dist = md.distribution('mmsaim')
link = str(dist.locate_file('mmsaim'))
if os.path.islink(link):
    os.remove(link)
elif os.path.exists(link):
    sys.exit(f'install.sh: {link} is left from another install of mmsaim; remove it and rerun')
os.symlink(sys.argv[1], link)
if 'mmsaim' not in {str(f) for f in dist.files}:
    record = next(f for f in dist.files if f.name == 'RECORD')
    with open(record.locate(), 'a') as f:
        f.write('mmsaim,,\n')
EOF
}

# The stamp is written after the stack passed check_stack; `make demo` and `make test` start
# without importing the stack once more.
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_KEY" ]]; then
    log "already installed (stamp $STAMP; remove it to install again); nothing to do"
    exit 0
fi

PIP=("$PY" -m pip --disable-pip-version-check)
CONSTRAINTS=(-c "$ROOT/requirements/constraints.txt")
FIND_LINKS=()
for d in "${WHEELHOUSES[@]}"; do FIND_LINKS+=(--find-links "$d"); done

log "build tools"
"${PIP[@]}" install -q -r "$ROOT/requirements/build.txt"

if [[ "${SKIP_TORCH:-0}" != 1 ]]; then
    log "torch and torchvision"
    "${PIP[@]}" install -q -r "$ROOT/requirements/torch.txt"
fi

# True when mmcv 2.1.0 with its compiled extension is installed. Read from the install record:
# importing mmcv needs its dependencies, which are installed later.
mmcv_has_ops() {
    "$PY" - 2>/dev/null <<'EOF'
import importlib.metadata as md
import sys
dist = md.distribution('mmcv')
sys.exit(not (dist.version == '2.1.0' and any(f.name.startswith('_ext.') for f in dist.files)))
EOF
}

if ! mmcv_has_ops; then
    log "mmcv 2.1.0 from a wheelhouse: ${WHEELHOUSES[*]}"
    if ! "${PIP[@]}" install -q --no-deps --no-index --force-reinstall "${FIND_LINKS[@]}" mmcv==2.1.0; then
        log "no mmcv 2.1.0 wheel found: building it from source with ops (about 35 min on 2 cores)"
        BUILD="$(mktemp -d)"
        "${PIP[@]}" download -q --no-deps --no-binary :all: -d "$BUILD" mmcv==2.1.0
        tar -xzf "$BUILD"/mmcv-2.1.0.tar.gz -C "$BUILD"
        # torch >= 2.13 headers need C++20.
        sed -i 's/-std=c++17/-std=c++20/g' "$BUILD/mmcv-2.1.0/setup.py"
        # --no-build-isolation: in an isolated build torch is invisible and the ops are skipped.
        (cd "$BUILD/mmcv-2.1.0" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$LOCAL_WHEELHOUSE" .)
        rm -rf "$BUILD"
        "${PIP[@]}" install -q --no-deps --no-index --force-reinstall --find-links "$LOCAL_WHEELHOUSE" mmcv==2.1.0
    fi
    mmcv_has_ops || { echo "install.sh: mmcv installed WITHOUT its compiled ops (mmcv._ext)" >&2; exit 1; }
fi

log "OpenMMLab stack, runtime and test requirements"
"${PIP[@]}" install -q "${CONSTRAINTS[@]}" \
    -r "$ROOT/requirements/mminstall.txt" -r "$ROOT/requirements/runtime.txt" \
    -r "$ROOT/requirements/tests.txt"

log "mmsaim (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"
link_package_for_mim

log "checking the stack"
if ! check_stack; then
    echo "install.sh: stack check FAILED: mmcv.ops (nms, RoIAlign) or an OpenMMLab import is broken" >&2
    exit 1
fi
echo "$STAMP_KEY" > "$STAMP"
