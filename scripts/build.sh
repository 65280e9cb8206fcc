#!/usr/bin/env bash
# Configures and builds infersim into build/ (Release).
# Usage: scripts/build.sh [target...]   (no target = everything)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="$(nproc 2>/dev/null || echo 2)"
# INFERSIM_WERROR=ON|OFF sets warnings-as-errors (CI: ON); unset keeps what build/ was configured with.
# INFERSIM_UNITY=ON|OFF: unity build (default ON: a clean build takes about 60% of the time; for edit-compile
# cycles on a few files, OFF recompiles less). A unity build with -DCMAKE_UNITY_BUILD_BATCH_SIZE=0 puts every
# file of a target in one unit: it shows any pair of files that define the same private helper.
werror=()
if [ -n "${INFERSIM_WERROR:-}" ]; then werror=(-DINFERSIM_WERROR="$INFERSIM_WERROR"); fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DINFERSIM_BUILD_TESTS=ON -DINFERSIM_BUILD_BENCH=ON -DINFERSIM_BUILD_GUI=ON \
  -DCMAKE_UNITY_BUILD="${INFERSIM_UNITY:-ON}" "${werror[@]}" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build build -j "$jobs" --target "$@"
else
  cmake --build build -j "$jobs"
fi
