#!/usr/bin/env bash
# README quick start, command 2 (and CI, through .ci/run): installs the Debian packages that are
# missing, checks the formatting, then builds and tests three configurations, each with warnings as
# errors, as unity builds (which also catches two files of one target defining the same helper):
#   full      build/          Release with the Qt GUI and the benchmarks: the whole test suite
#   headless  build-headless/ without Qt (libraries, CLI, -O0): the CLI, golden and shard tests
#   asan      build-asan/     AddressSanitizer + UndefinedBehaviorSanitizer (-O0, no Qt): the unit, oracle
#                             and CLI tests, except eight multi-minute calibration refits (their code paths
#                             run in smaller tests too; under ASan they take 3-5 minutes each)
# INFERSIM_TEST_CONFIGS="full headless asan" picks configurations (default: all three).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="$(nproc 2>/dev/null || echo 2)"
configs="${INFERSIM_TEST_CONFIGS:-full headless asan}"
bash scripts/deps.sh
bash scripts/format.sh --check
for c in $configs; do
  start=$(date +%s)
  case "$c" in
    full)
      INFERSIM_WERROR=ON bash scripts/build.sh
      (cd build && ctest --output-on-failure -j "$jobs")
      ;;
    headless)
      # -O0: this configuration proves the build without Qt and the CLI's outputs (the golden files are
      # byte-identical at -O0 and -O3); it is not the speed build.
      cmake -S . -B build-headless -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0" -DINFERSIM_BUILD_GUI=OFF \
        -DINFERSIM_BUILD_BENCH=OFF -DINFERSIM_BUILD_TESTS=ON -DINFERSIM_WERROR=ON -DCMAKE_UNITY_BUILD=ON >/dev/null
      cmake --build build-headless -j "$jobs" --target infersim cli_test simulate_cli_test refengine_cli_test
      (cd build-headless && ctest --output-on-failure -j "$jobs" -L "cli|golden" \
        -E "ValidateReportsHeldOutErrorsWithinTargets|CalibrateServingReproducesTheShippedKernelCalibrations")
      ;;
    asan)
      cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0" \
        -DINFERSIM_SANITIZE=ON -DINFERSIM_BUILD_GUI=OFF -DINFERSIM_BUILD_BENCH=OFF -DINFERSIM_BUILD_TESTS=ON \
        -DINFERSIM_WERROR=ON -DCMAKE_UNITY_BUILD=ON >/dev/null
      cmake --build build-asan -j "$jobs"
      (cd build-asan && ASAN_OPTIONS="abort_on_error=1:detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1" \
        ctest --output-on-failure -j "$jobs" -L "unit|oracle|cli" \
        -E "ValidateReportsHeldOutErrorsWithinTargets|CalibrateServingReproducesTheShippedKernelCalibrations|CalibrateFromReproducesTheShippedCalibrationsByteForByte|CalibrateWritesTheStoreAndDeletesWeightsUnlessKept|RecoversUnpackNormAndAttentionTermsFromSyntheticSteps|MtpAcceptanceFitFindsTheAcceptanceTheRowsRanWith|RowsKeptOutOfTheFitChangeNoFittedNumber|RoutingSkewFitFindsTheSkewTheRowsRanWith")
      ;;
    *) echo "test.sh: unknown configuration '$c' (full, headless, asan)" >&2; exit 2 ;;
  esac
  echo "test.sh: configuration '$c' passed in $(( $(date +%s) - start )) s"
done
