#!/usr/bin/env bash
# README quick start, command 1: install what is missing, build, and run the main job — every catalog
# hardware x every workload type for Llama-3.1-70B: the cheapest plan on each chip at the workload's
# load within its SLOs ($/1K tokens, TTFT P99, TPOT P99, J/token, kW), checked by the discrete-event
# simulator, printed and stored in the default SQLite results file (results/infersim.sqlite; a second
# run reuses the stored rows).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/deps.sh
bash scripts/build.sh infersim
echo
./build/cli/infersim workloads compare --model llama-3.1-70b --db results/infersim.sqlite
