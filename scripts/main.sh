#!/usr/bin/env bash
# README quick start, command 1: install what is missing, build, and run the main job — the default
# comparison of every catalog hardware for Llama-3.1-70B chat traffic.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/deps.sh
bash scripts/build.sh infersim
echo
echo "== infersim: Llama-3.1-70B, chat (32 concurrent, 1024 in / 256 out), every catalog hardware =="
./build/cli/infersim compare --model llama-3.1-70b --batch 32 --input 1024 --output 256
