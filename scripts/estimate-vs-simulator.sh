#!/usr/bin/env bash
# The analytic estimate against the discrete-event simulator on a grid of closed-loop benchmarks:
# `infersim estimate --simulate` for 3 runtimes x 2 models x users x prompt / output shapes, printing
# each cell's TTFT and TPOT from both and the median |estimate - simulator| / simulator per runtime.
# The default grid is KV-bound (two H100s, 48-192 users, long outputs), where the two once disagreed
# by up to 100x (docs/calibration.md, "Users a KV cache holds"); --light runs 1-128 users on roomy
# layouts instead, --moe expert / pipeline parallelism and multi-token prediction. Needs python3 and a built ./build/cli/infersim (a developer tool; not part of the
# build or the tests).
# Usage: scripts/estimate-vs-simulator.sh [--light | --moe]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/build/cli/infersim"
[[ -x "$cli" ]] || { echo "estimate-vs-simulator: build first (bash scripts/build.sh)" >&2; exit 2; }
MODE="${1:-}" CLI="$cli" python3 - <<'PY'
import json, os, statistics, subprocess
mode = os.environ["MODE"]
# (model, hardware, chips, extra layout flags, precision)
if mode == "--light":
    layouts = [("llama-3.1-70b", "h100-sxm", 4, [], "fp8"), ("gpt-oss-120b", "b200", 1, [], "fp4"),
               ("qwen3-32b", "h100-sxm", 2, [], "bf16")]
    users, shapes = [1, 16, 128], [(1024, 256), (8000, 300), (500, 4000)]
elif mode == "--moe":  # expert and pipeline parallelism, multi-token prediction
    layouts = [("deepseek-v3", "b200", 8, ["--ep", "8"], "fp8"), ("deepseek-v3", "b200", 8, ["--ep", "8", "--mtp", "3"], "fp4"),
               ("qwen3-235b-a22b", "h100-sxm", 8, ["--ep", "8"], "fp8"), ("llama-3.1-70b", "h100-sxm", 8, ["--tp", "4", "--pp", "2"], "fp8")]
    users, shapes = [4, 64, 256], [(1024, 1024), (8192, 1024)]
else:
    layouts = [("qwen3-32b", "h100-sxm", 2, [], "bf16"), ("llama-3.1-70b", "h100-sxm", 2, [], "fp8")]
    users, shapes = [48, 96, 192], [(500, 4000), (2000, 2000), (4000, 8000)]
errs = {}
for rt in ["tensorrt-llm", "vllm", "sglang"]:
    for b in users:
        for i, o in shapes:
            for model, hw, n, extra, prec in layouts:
                layout = extra if "--tp" in extra else ["--tp", str(n)] + extra
                cmd = [os.environ["CLI"], "estimate", "--model", model, "--hardware", hw, "--chips", str(n), *layout,
                       "--precision", prec, "--runtime", rt, "--batch", str(b), "--input", str(i), "--output", str(o),
                       "--simulate", "--rounds", "6", "--json"]
                r = subprocess.run(cmd, capture_output=True, text=True)
                cell = f"{model} {n}x{hw} {' '.join(extra)} {prec} {rt} {b} users {i}/{o}"
                if r.returncode != 0:
                    print(f"{cell:72} error: {r.stderr.strip()[:120]}")
                    continue
                j = json.loads(r.stdout)
                s = j["simulated"]
                et, ep = j["ttft_s"] / s["ttft_s"] - 1, j["tpot_s"] / s["tpot_s"] - 1
                errs.setdefault(rt, []).append((abs(et), abs(ep)))
                print(f"{cell:72} TTFT {j['ttft_s']:9.3f} / {s['ttft_s']:9.3f} s ({100*et:+6.0f}%)  "
                      f"TPOT {1e3*j['tpot_s']:7.2f} / {1e3*s['tpot_s']:7.2f} ms ({100*ep:+5.0f}%)")
print("median |estimate - simulator| / simulator:")
for rt, v in errs.items():
    print(f"  {rt:13} {len(v)} cells  TTFT {100*statistics.median(x[0] for x in v):5.1f}%  "
          f"TPOT {100*statistics.median(x[1] for x in v):5.1f}%")
PY
