#!/usr/bin/env bash
# Before/after on the modern serving rows: the held-out rows of `infersim validate` (aiconfigurator
# 2025-26 benchmarks), predicted by an older commit's `infersim estimate` (same model, hardware, TP,
# users as --batch, lengths, runtime, precision) and by this checkout's benchmark-mode simulation.
# Rows the older commit cannot estimate (model cards or precisions it lacked) are counted, not scored.
# Needs python3 (a developer tool; not part of the build or the tests).
# Usage: scripts/before-after-serving.sh [OLD_COMMIT]   (default 5b0e8c5, before the kernel path)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
old="${1:-5b0e8c5}"
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/old" "$old" >/dev/null
cmake -S "$work/old" -B "$work/old/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINFERSIM_BUILD_TESTS=OFF \
  -DINFERSIM_BUILD_BENCH=OFF -DINFERSIM_BUILD_GUI=OFF >/dev/null
cmake --build "$work/old/build" --target infersim >/dev/null
"$root/build/cli/infersim" calibrate-serving --no-loso --points "$work/points.json" >/dev/null 2>&1
OLD_CLI="$work/old/build/cli/infersim" OLD_DATA="$work/old" POINTS="$work/points.json" python3 - <<'PY'
import json, os, statistics, subprocess, collections
from concurrent.futures import ThreadPoolExecutor
pts = [p for p in json.load(open(os.environ["POINTS"])) if p["held_out"]]
env = dict(os.environ, INFERSIM_DATA_DIR=os.environ["OLD_DATA"])
prec = {"nvfp4": "fp4", "fp8": "fp8", "fp8_block": "fp8", "int4_wo": "int4", "": None}
moe = {"deepseek-v3", "minimax-m2.5", "gpt-oss-120b", "qwen3-235b-a22b", "kimi-k2.5", "glm-5"}
def run(p):
    cmd = [os.environ["OLD_CLI"], "estimate", "--model", p["model"], "--hardware", p["hardware"], "--tp", str(p["tp"]),
           "--batch", str(int(p["concurrency"])), "--input", str(int(p["input"])), "--output", str(int(p["output"])),
           "--runtime", p["runtime"], "--json"]
    if prec.get(p["precision"]): cmd += ["--precision", prec[p["precision"]]]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p, (json.loads(r.stdout) if r.returncode == 0 else None)
with ThreadPoolExecutor(os.cpu_count() or 2) as ex: res = list(ex.map(run, pts))
g = collections.defaultdict(lambda: [[], [], [], []]); skipped = 0
for p, j in res:
    if j is None: skipped += 1; continue
    for k in ("all", p["runtime"] + (" / moe" if p["model"] in moe else " / dense")):
        d = g[k]
        d[0].append(abs(j["ttft_s"] / p["ttft_measured_s"] - 1)); d[1].append(abs(j["tpot_s"] / p["tpot_measured_s"] - 1))
        d[2].append(abs(p["ttft_predicted_s"] / p["ttft_measured_s"] - 1)); d[3].append(abs(p["tpot_predicted_s"] / p["tpot_measured_s"] - 1))
m = lambda a: 100 * statistics.median(a)
print("median |error| on the same held-out rows      before: TTFT    TPOT   after: TTFT    TPOT")
for k, d in sorted(g.items()):
    print(f"{k:24s} {len(d[0]):4d} rows                {m(d[0]):7.1f}% {m(d[1]):6.1f}%      {m(d[2]):6.1f}% {m(d[3]):6.1f}%")
print(f"{skipped} held-out rows the older commit cannot estimate (models or precisions it lacked)")
PY
