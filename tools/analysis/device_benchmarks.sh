#!/usr/bin/env bash
# The GPU runs of docs/benchmark.md (speed) and docs/representation_benchmark.md, as one
# command for a lent device machine: Python 3 with torch, no OpenMMLab stack, no package
# index, only this checkout. Copy the pretraining stack's wheels and Imagenette into the
# git-ignored .gpu-carry/ first (here, once):
#   mkdir -p .gpu-carry && cp -r ../shared/device ../shared/data/imagenette .gpu-carry/
# then run, on the device, with .gpu-carry carried:
#   bash tools/analysis/device_benchmarks.sh speed            # ViT-B/16, 224 px, batch 256
#   bash tools/analysis/device_benchmarks.sh representation   # 8 minutes of it, resumable
#   bash tools/analysis/device_benchmarks.sh speed --arch s --batch-size 8   # any tool option
# Results and logs go to $OUT (the device tool's output folder), else work_dirs/device.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
CARRY=${CARRY:-.gpu-carry}
OUT=${OUT:-work_dirs/device}
what=${1:?say speed or representation}
shift
mkdir -p "$OUT"
if [ ! -d "$CARRY/device/wheels" ]; then
    echo "$CARRY/device/wheels not found: copy ../shared/device (and for the representation" \
        "benchmark ../shared/data/imagenette) into $CARRY/ and carry it" >&2
    exit 2
fi
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$CARRY"/device/wheels/*.whl
export PYTHONPATH="/tmp/site:$PWD/$CARRY/device/shim:$PWD" PYTHONUNBUFFERED=1
case $what in
    speed)
        python3 tools/analysis/benchmark.py --arch b --img-size 224 --batch-size 256 \
            --out "$OUT/benchmark.json" "$@" 2>&1 | tee "$OUT/benchmark.log" ;;
    representation)
        # A run stops at the first epoch boundary after STOP_AFTER minutes; the next run
        # continues (same machine) or skips what results.json records (carry it back).
        python3 tools/analysis/representation_benchmark.py --device cuda \
            --data-root "$CARRY/imagenette" --stop-after "${STOP_AFTER:-8}" "$@" 2>&1 |
            tee "$OUT/representation_benchmark.log"
        cp work_dirs/representation_benchmark_cuda/results.* "$OUT/" ;;
    *)
        echo "unknown run '$what': say speed or representation" >&2
        exit 2 ;;
esac
