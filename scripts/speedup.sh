#!/usr/bin/env bash
# Measures the conformance suite's wall time against `runner serve --latency 20ms`, serial and
# with `ginkgo -p` (4 processes), and against the embedded reference; prints medians of N runs.
# Usage: scripts/speedup.sh [N]   (default 5). Loopback only; bounded by N.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
work=$(mktemp -d)
trap 'kill "$serve_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/runner" ./runner
go tool ginkgo build -o "$work" ./suites/conformance >/dev/null
"$work/runner" serve --addr 127.0.0.1:0 --latency 20ms >"$work/serve.out" 2>/dev/null &
serve_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/serve.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); awk -v a="$s" -v b="$e" 'BEGIN {printf "%.2f\n", (b - a) / 1e9}'; }

serial=() parallel=() embedded=()
for _ in $(seq "$n"); do
  serial+=("$(timeit go tool ginkgo run --randomize-all "$work/conformance.test" -- --base-url="$url")")
  parallel+=("$(timeit go tool ginkgo run -p --procs=4 --randomize-all "$work/conformance.test" -- --base-url="$url")")
  embedded+=("$(timeit "$work/runner")")
done
s=$(printf '%s\n' "${serial[@]}" | median)
p=$(printf '%s\n' "${parallel[@]}" | median)
e=$(printf '%s\n' "${embedded[@]}" | median)
echo "runs: $n"
echo "serial   (latency 20ms): ${serial[*]} -> median ${s}s"
echo "-p 4     (latency 20ms): ${parallel[*]} -> median ${p}s"
echo "speed-up: $(awk -v a="$s" -v b="$p" 'BEGIN {printf "%.2f", a / b}')x"
echo "runner against the embedded reference: ${embedded[*]} -> median ${e}s"
