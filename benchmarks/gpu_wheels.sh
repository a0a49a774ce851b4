#!/usr/bin/env bash
# Prepares .whl/ for benchmarks/gpu_check.sh: the device machine's image has
# JAX, NumPy, scikit-learn, pandas, SciPy, matplotlib and tqdm but no Keras
# and no network, so Keras, KerasTuner and keras-recipes travel as wheels
# (the versions installed here, for the image's Python 3.12 on x86-64).
set -euo pipefail
cd "$(dirname "$0")/.."
PIP="${PIP:-.venv/bin/python -m pip}"
version() { $PIP show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }
rm -rf .whl && mkdir .whl
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
for package in keras keras-tuner kt-legacy namex optree; do
  $PIP download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
    -d .whl "$package==$(version "$package")"
done
$PIP wheel --quiet --no-deps --no-build-isolation -w .whl .
rm -rf build  # setuptools' staging folder of that wheel.
ls -l .whl
