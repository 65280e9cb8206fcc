#!/usr/bin/env bash
# Sharded sweep == one sweep: runs examples/sweeps/estimate-grid.json once in a single process, and as
# 3 shards (`--shard 0/3` .. `2/3`, 0-based) in 3 separate processes at the same time, each into its own
# SQLite file; merges the shards with `infersim results merge` and checks that
#   - every shard process exits 0, the shards are disjoint and their row counts sum to the grid size,
#   - the merged store exports (CSV and JSON) byte for byte like the single-process store,
#   - re-running a shard and re-running the merge add nothing (resumable, idempotent).
# The exports are compared as written by the CLI, unsorted: rows are ordered by (run_name, scenario_id)
# and the only run-dependent field, created_utc, is left out unless --with-times is given.
# This is what examples/cluster/ (Slurm array job, Kubernetes Indexed Job) relies on.
# Usage: shard_merge_test.sh INFERSIM_BINARY SOURCE_ROOT      (KEEP_TMP=1 keeps the work folder)
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 INFERSIM_BINARY SOURCE_ROOT" >&2
  exit 2
fi
cli="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
src="$(cd "$2" && pwd)"
sweep="$src/examples/sweeps/estimate-grid.json"
N=3
[ -x "$cli" ] || { echo "shard_merge: FAIL: $cli is not an executable" >&2; exit 2; }
[ -f "$sweep" ] || { echo "shard_merge: FAIL: $sweep is missing" >&2; exit 2; }
export INFERSIM_DATA_DIR="$src"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/infersim-shard-merge.XXXXXX")"
if [ "${KEEP_TMP:-0}" = "1" ]; then
  trap 'echo "shard_merge: kept $tmp"' EXIT
else
  trap 'rm -rf "$tmp"' EXIT
fi
cd "$tmp" || exit 2

failures=0
pass() { echo "shard_merge: PASS: $*"; }
fail() { echo "shard_merge: FAIL: $*" >&2; failures=$((failures + 1)); }
die() {
  echo "shard_merge: FAIL: $*" >&2
  for f in *.log; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}
# Top-level "rows" of `results list --json` (the runs' own "rows" are indented deeper).
store_rows() { "$cli" results list --db "$1" --json | sed -n 's/^  "rows": \([0-9][0-9]*\),$/\1/p'; }
# Scenario ids of a store, one per line (the JSON export has one row per line).
store_ids() { "$cli" results export --db "$1" --json | grep -o '"scenario_id":"[0-9a-f]*"' | cut -d'"' -f4; }

# 1. One process, the whole grid.
"$cli" sweep "$sweep" --db single.sqlite --jobs 2 --quiet >single.log 2>&1 || die "single sweep exited $? (single.log)"
total="$(sed -n 's/^sweep [^ ]* ([^)]*): \([0-9][0-9]*\) scenarios,.*/\1/p' single.log)"
if [ -z "$total" ] || [ "$total" -eq 0 ]; then die "cannot read the scenario count from single.log"; fi
single_rows="$(store_rows single.sqlite)"
[ "$single_rows" = "$total" ] || die "single.sqlite holds ${single_rows:-?} rows, the sweep has $total scenarios"
pass "single-process sweep: $total scenarios, $single_rows rows"

# 2. N shards as N separate processes running at the same time, each with its own file.
pids=()
for ((i = 0; i < N; i++)); do
  "$cli" sweep "$sweep" --db "shard-$i.sqlite" --shard "$i/$N" --jobs 1 --quiet >"shard-$i.log" 2>&1 &
  pids[i]=$!
done
for ((i = 0; i < N; i++)); do
  rc=0
  wait "${pids[i]}" || rc=$?
  [ "$rc" -eq 0 ] || fail "shard $i/$N exited $rc: $(cat "shard-$i.log")"
done
[ "$failures" -eq 0 ] || die "a shard process failed"
sum=0
for ((i = 0; i < N; i++)); do
  said="$(sed -n "s/.*: \([0-9][0-9]*\) scenarios in shard $i\/$N,.*/\1/p" "shard-$i.log")"
  rows="$(store_rows "shard-$i.sqlite")"
  if [ -z "$rows" ] || [ "$rows" -eq 0 ] || [ "$rows" != "$said" ]; then
    fail "shard $i/$N: ${rows:-?} rows stored, the sweep reported ${said:-?} scenarios (a shard should not be empty)"
  fi
  sum=$((sum + ${rows:-0}))
  echo "shard_merge:   shard $i/$N: $rows rows"
done
if [ "$sum" -eq "$total" ]; then pass "shard row counts sum to $sum = $total scenarios"; else fail "shard rows sum to $sum, expected $total"; fi
for ((i = 0; i < N; i++)); do store_ids "shard-$i.sqlite"; done | sort >shard-ids.txt
store_ids single.sqlite | sort >single-ids.txt
dups="$(uniq -d shard-ids.txt | wc -l)"
if [ "$dups" -eq 0 ] && cmp -s shard-ids.txt single-ids.txt; then
  pass "shards are disjoint and cover exactly the single run's scenario ids"
else
  fail "shard scenario ids: $dups duplicated; same set as the single run: $(cmp -s shard-ids.txt single-ids.txt && echo yes || echo no)"
fi

# 3. Merge, then export both stores and compare byte for byte (no sorting: the export is ordered).
shards=()
for ((i = 0; i < N; i++)); do shards+=("shard-$i.sqlite"); done
"$cli" results merge --db merged.sqlite "${shards[@]}" >merge.log 2>&1 || die "results merge exited $? (merge.log)"
if grep -q "conflicting" merge.log; then fail "merge reported conflicting rows: $(cat merge.log)"; fi
merged_rows="$(store_rows merged.sqlite)"
if [ "$merged_rows" = "$total" ]; then
  pass "merged.sqlite holds $merged_rows rows"
else
  fail "merged.sqlite holds ${merged_rows:-?} rows, expected $total"
fi
compare_exports() {  # $1: label
  local fmt ok=1
  for fmt in csv json; do
    "$cli" results export --db single.sqlite "--$fmt" --out "single.$fmt" 2>>export.log || die "export single --$fmt failed"
    "$cli" results export --db merged.sqlite "--$fmt" --out "merged.$fmt" 2>>export.log || die "export merged --$fmt failed"
    [ -s "single.$fmt" ] || { fail "single.$fmt is empty"; ok=0; continue; }
    if cmp "single.$fmt" "merged.$fmt"; then
      pass "$1: --$fmt export of merged == single-process ($(wc -c <"single.$fmt") bytes, byte for byte)"
    else
      fail "$1: --$fmt export of merged differs from single-process"
      diff "single.$fmt" "merged.$fmt" | head -n 6 | cut -c1-160 >&2
      ok=0
    fi
  done
  return $((1 - ok))
}
compare_exports "after merge"
# stdout export equals --out export
"$cli" results export --db merged.sqlite --csv >merged-stdout.csv 2>>export.log || die "export to stdout failed"
if cmp -s merged-stdout.csv merged.csv; then pass "export to stdout == export --out"; else fail "export to stdout differs from --out"; fi

# 4. Resumability and idempotence: a re-run shard computes nothing, a re-run merge adds nothing.
"$cli" sweep "$sweep" --db shard-0.sqlite --shard "0/$N" --jobs 1 --quiet >rerun.log 2>&1 || die "re-run of shard 0 exited $?"
if grep -q ", 0 run, 0 invalid" rerun.log; then
  pass "re-running shard 0/$N skips everything"
else
  fail "re-run of shard 0 computed rows: $(cat rerun.log)"
fi
"$cli" results merge --db merged.sqlite "${shards[@]}" >merge2.log 2>&1 || die "second results merge exited $?"
if [ "$(grep -c ': 0 new rows' merge2.log)" -eq "$N" ] && [ "$(store_rows merged.sqlite)" = "$total" ]; then
  pass "re-running the merge adds nothing"
else
  fail "second merge changed something: $(cat merge2.log)"
fi
compare_exports "after a second merge"

if [ "$failures" -eq 0 ]; then
  echo "shard_merge: PASS ($N shards, $total scenarios)"
  exit 0
fi
echo "shard_merge: FAIL ($failures check(s) failed)" >&2
exit 1
