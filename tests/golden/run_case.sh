#!/usr/bin/env bash
# Golden test of the CLI's text and JSON outputs: runs one case of cases.txt in an empty temporary
# folder (with `infersim` on PATH and $SRC = the source root) and compares what it printed on stdout,
# plus its exit code, byte for byte with expected/<case>.txt. Paths under the source root and the
# temporary folder are written as $SRC and $TMP, so the files do not depend on the clone.
# Update switch: INFERSIM_UPDATE_GOLDEN=1 ctest -L golden   (then review `git diff tests/golden`).
# Usage: run_case.sh INFERSIM_BINARY SOURCE_ROOT CASE_NAME
set -uo pipefail
cli="$1"; src="$2"; name="$3"
here="$src/tests/golden"
line="$(grep -E "^${name}[[:space:]]*\|" "$here/cases.txt" | head -n1)"
if [ -z "$line" ]; then echo "golden: no case '$name' in $here/cases.txt" >&2; exit 2; fi
cmd="${line#*|}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/work"
ln -s "$cli" "$tmp/bin/infersim"
actual="$tmp/actual.txt"
(
  cd "$tmp/work" || exit 3
  export PATH="$tmp/bin:$PATH" SRC="$src" INFERSIM_DATA_DIR="$src" INFERSIM_RESULTS_DB="$tmp/work/results.sqlite"
  bash -c "$cmd" </dev/null
  echo "[exit $?]"
) >"$actual" 2>/dev/null
# Clone-independent paths; wall-clock figures (the only run-to-run variation) are masked.
sed -i -e "s#$tmp/work#\$TMP#g" -e "s#$src#\$SRC#g" \
       -e 's#[0-9][0-9.]* s with [0-9]* jobs#<time> s with <n> jobs#g' "$actual"
expected="$here/expected/$name.txt"
if [ "${INFERSIM_UPDATE_GOLDEN:-0}" = "1" ]; then
  cp "$actual" "$expected"
  echo "golden: updated $expected"
  exit 0
fi
if [ ! -f "$expected" ]; then
  echo "golden: $expected is missing; run with INFERSIM_UPDATE_GOLDEN=1 to create it" >&2
  exit 1
fi
if ! diff -u "$expected" "$actual"; then
  echo "golden: '$name' differs from $expected (INFERSIM_UPDATE_GOLDEN=1 rewrites it after review)" >&2
  exit 1
fi
echo "golden: '$name' matches ($(wc -l <"$actual") lines)"
