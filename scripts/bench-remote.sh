#!/usr/bin/env bash
# Measures the runner's wall time against `runner serve --latency 150ms` (a target one ordinary
# round trip away) serially (--procs 1) and with the default, N times each, and against the
# embedded reference; prints every time, the medians and the ratio, and checks that the serial
# and the default run give the same outcome per requirement and the same exit status.
# Usage: scripts/bench-remote.sh [N]   (default 3; a serial run takes about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
work=$(mktemp -d)
trap 'kill "$serve_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/runner" ./runner
"$work/runner" serve --addr 127.0.0.1:0 --latency 150ms >"$work/serve.out" 2>/dev/null &
serve_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/serve.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# timeit DIR ARGS...: runs the runner with --report-dir DIR, prints seconds; keeps the exit status.
timeit() {
  local dir=$1 s e code=0; shift
  s=$(date +%s%N)
  "$work/runner" "$@" --report-dir "$dir" >"$dir.out" 2>&1 || code=$?
  e=$(date +%s%N)
  echo "$code" >"$dir.exit"
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.2f\n", (b - a) / 1e9}'
}
outcomes() { grep -o '"id": *"[A-Z]*-[0-9]*"\|"outcome": *"[a-z]*"' "$1/conformance.json" | paste - - ; cat "$1.exit"; }

serial=() parallel=() embedded=()
for i in $(seq "$n"); do
  serial+=("$(timeit "$work/serial-$i" --base-url "$url" --procs 1)")
  parallel+=("$(timeit "$work/default-$i" --base-url "$url")")
  embedded+=("$(timeit "$work/embedded-$i")")
  if ! diff <(outcomes "$work/serial-$i") <(outcomes "$work/default-$i") >/dev/null; then
    echo "run $i: the serial and the default run disagree:"; diff <(outcomes "$work/serial-$i") <(outcomes "$work/default-$i") || true
    exit 1
  fi
done
s=$(printf '%s\n' "${serial[@]}" | median)
p=$(printf '%s\n' "${parallel[@]}" | median)
e=$(printf '%s\n' "${embedded[@]}" | median)
echo "runs: $n, target: runner serve --latency 150ms"
echo "--procs 1:            ${serial[*]} -> median ${s}s"
echo "default (auto procs): ${parallel[*]} -> median ${p}s"
echo "speed-up: $(awk -v a="$s" -v b="$p" 'BEGIN {printf "%.1f", a / b}')x; verdicts and exit status identical in every run"
echo "embedded reference (default): ${embedded[*]} -> median ${e}s"
