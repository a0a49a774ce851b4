#!/usr/bin/env bash
# Issue 12, item 8, on a lent GPU machine (its image has JAX, no TensorFlow):
#   here:   bash benchmarks/gpu_wheels.sh          (Keras, KerasTuner, keras-recipes as wheels)
#   device: run(command="bash benchmarks/gpu_check.sh", carry=[".whl"], timeout_s=560)
# Every recipe's default run on the GPU, then training throughput and model
# FLOP utilisation on CIFAR-10-shaped data; CSVs land in $OUT. Extra flags go
# to benchmarks/gpu_check.py (e.g. --smoke to check it on a CPU, --recipes a,b).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$(mktemp -d)}"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # Several recipes share the GPU.
python3 benchmarks/gpu_check.py --out "$OUT" "$@" 2>&1 | tee "$OUT/gpu_check.log"
