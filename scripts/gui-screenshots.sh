#!/usr/bin/env bash
# Screenshots of every main view of the desktop app, taken from the real app under a virtual X
# server: the app computes the default scenario (analytic comparison, a full run, the calibration
# data), switches through the views, saves QWidget::grab() PNGs, writes the procurement brief, and
# exits; page 1 of the brief PDF is rendered to PNG with poppler's pdftoppm.
# Usage: scripts/gui-screenshots.sh [OUT_DIR] [SCENARIO.json]   (default: docs/screenshots, the app's default scenario)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mkdir -p "${1:-$root/docs/screenshots}" && cd "${1:-$root/docs/screenshots}" && pwd)"
scenario="${2:-}"
app="$root/build/gui/infersim-gui"
[ -x "$app" ] || bash "$root/scripts/build.sh" infersim-gui
export INFERSIM_DATA_DIR="$root"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"; [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null || true' EXIT
export INFERSIM_RESULTS_DB="$scratch/results.sqlite"   # keep the user's results store out of it
export QT_QPA_PLATFORM=xcb
args=(--screenshot-dir "$out")
[ -n "$scenario" ] && args+=("$scenario")
geometry="-screen 0 1600x1000x24"
if command -v xvfb-run >/dev/null 2>&1; then
  xvfb-run -a -s "$geometry" "$app" "${args[@]}"
else
  Xvfb :99 $geometry -nolisten tcp &
  xvfb_pid=$!
  sleep 1
  DISPLAY=:99 "$app" "${args[@]}"
fi
if [ -f "$out/brief.pdf" ]; then
  if command -v pdftoppm >/dev/null 2>&1; then
    pdftoppm -png -r 70 -f 1 -l 1 -singlefile "$out/brief.pdf" "$out/brief"
  fi
  rm -f "$out/brief.pdf"
fi
ls -l "$out"/*.png
