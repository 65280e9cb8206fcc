#!/usr/bin/env bash
# Check or apply the C++ formatting defined by .clang-format in the repository root.
#
#   bash scripts/format.sh --check   list tracked *.cpp / *.h files whose formatting differs; exit 1 if any
#   bash scripts/format.sh --fix     reformat those files in place
#
# clang-format is looked up as $CLANG_FORMAT, then clang-format, then clang-format-14. The style is written
# for clang-format 14 (Debian 12); other major versions may format some constructs differently.
# Exit status: 0 clean / fixed, 1 --check found unformatted files, 2 usage or tool error.
set -euo pipefail

usage() {
  echo "usage: bash scripts/format.sh --check | --fix" >&2
  exit 2
}

[[ $# -eq 1 ]] || usage
case "$1" in
  --check | --fix) mode=$1 ;;
  -h | --help)
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) usage ;;
esac

if ! root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel 2>/dev/null); then
  echo "format.sh: not inside a git checkout (the file list comes from 'git ls-files')" >&2
  exit 2
fi
cd "$root"
if [[ ! -f .clang-format ]]; then
  echo "format.sh: $root/.clang-format is missing" >&2
  exit 2
fi

cf=""
for candidate in "${CLANG_FORMAT:-}" clang-format clang-format-14; do
  if [[ -n $candidate ]] && command -v "$candidate" >/dev/null 2>&1; then
    cf=$(command -v "$candidate")
    break
  fi
done
if [[ -z $cf ]]; then
  echo "format.sh: clang-format not found (tried \$CLANG_FORMAT, clang-format, clang-format-14)." >&2
  echo "  Install it, e.g. 'sudo apt-get install clang-format' (Debian 12 ships version 14)," >&2
  echo "  or point CLANG_FORMAT at the binary." >&2
  exit 2
fi
version=$("$cf" --version 2>/dev/null | sed -n 's/.*clang-format version \([0-9][0-9]*\).*/\1/p' | head -n 1)
if [[ $version != 14 ]]; then
  echo "format.sh: warning: $cf is version ${version:-unknown}; .clang-format is tuned for clang-format 14," \
    "so results may differ from CI" >&2
fi

jobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 4)

# Tracked C++ files that exist in the working tree (a file deleted but not yet staged is still listed).
files=()
while IFS= read -r -d '' f; do
  [[ -f $f ]] && files+=("$f")
done < <(git ls-files -z -- '*.cpp' '*.h')
if [[ ${#files[@]} -eq 0 ]]; then
  echo "format.sh: no tracked *.cpp / *.h files"
  exit 0
fi

# Fail early, once, on a .clang-format this clang-format cannot read (unknown key, bad value).
if ! err=$("$cf" --style=file --dump-config -- "${files[0]}" 2>&1 >/dev/null); then
  printf 'format.sh: %s cannot use .clang-format:\n%s\n' "$cf" "$err" >&2
  exit 2
fi

# Prints the files (NUL-terminated) whose formatting differs. A clang-format failure other than a formatting
# violation (bad .clang-format, unreadable file) is printed to stderr and makes the whole command fail.
check_files() {
  local f out
  for f in "$@"; do
    if ! out=$("$FORMAT_SH_CF" --style=file --dry-run --Werror --ferror-limit=1 -- "$f" 2>&1); then
      if [[ $out == *"[-Wclang-format-violations]"* ]]; then
        printf '%s\0' "$f"
      else
        printf 'format.sh: clang-format failed on %s:\n%s\n' "$f" "$out" >&2
        return 1
      fi
    fi
  done
}
export -f check_files
export FORMAT_SH_CF=$cf

list=$(mktemp)
trap 'rm -f "$list"' EXIT
if ! printf '%s\0' "${files[@]}" | xargs -0 -r -P "$jobs" -n 16 bash -c 'check_files "$@"' _ >"$list"; then
  echo "format.sh: clang-format reported errors (see above)" >&2
  exit 2
fi
bad=()
while IFS= read -r -d '' f; do bad+=("$f"); done < <(sort -z "$list")

if [[ $mode == --check ]]; then
  if [[ ${#bad[@]} -eq 0 ]]; then
    echo "format.sh: all ${#files[@]} C++ files are formatted"
    exit 0
  fi
  printf '%s\n' "${bad[@]}"
  echo "format.sh: ${#bad[@]} of ${#files[@]} C++ files need formatting; run: bash scripts/format.sh --fix" >&2
  exit 1
fi

if [[ ${#bad[@]} -eq 0 ]]; then
  echo "format.sh: all ${#files[@]} C++ files are already formatted"
  exit 0
fi
printf '%s\0' "${bad[@]}" | xargs -0 -r -P "$jobs" -n 16 "$cf" --style=file -i --
printf '%s\n' "${bad[@]}"
echo "format.sh: reformatted ${#bad[@]} of ${#files[@]} C++ files"
