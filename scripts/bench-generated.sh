#!/usr/bin/env bash
# Measures generated cases per second (issue 18): the generated specs alone (--label-filter
# generated) against the embedded reference with --generate N cases per requirement (10 generated
# specs: 10*N cases), and against `runner serve --latency 20ms` (a target 20 ms away) with
# --generate M. Prints cases, seconds and cases per second for each, and whether the embedded run
# met the target: at least 1,000 cases in at most 5 s.
# Usage: scripts/bench-generated.sh [N [M]]   (defaults 100 and 10)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
m=${2:-10}
work=$(mktemp -d)
serve_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

go build -o "$work/runner" ./runner
"$work/runner" serve --addr 127.0.0.1:0 --latency 20ms >"$work/serve.out" 2>/dev/null &
serve_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/serve.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")

# bench NAME ARGS...: one run of the generated specs; prints "cases seconds cases/s".
bench() {
  local dir="$work/$1" s e code=0; shift
  s=$(date +%s%N)
  "$work/runner" --label-filter generated --report-dir "$dir" "$@" >"$dir.out" 2>&1 || code=$?
  e=$(date +%s%N)
  if [ "$code" != 0 ]; then echo "the run exited $code:"; tail -20 "$dir.out"; exit 1; fi
  cases=$(grep -o '"tried": *[0-9]*' "$dir/conformance.json" | awk -F: '{t += $2} END {print t + 0}')
  awk -v c="$cases" -v a="$s" -v b="$e" 'BEGIN {d = (b - a) / 1e9; printf "%d %.2f %.0f\n", c, d, c / d}'
}

read -r ec es er < <(bench embedded --generate "$n")
read -r rc rs rr < <(bench remote --base-url "$url" --generate "$m")
echo "embedded reference: $ec generated cases in ${es}s: $er cases/s (whole process, start-up included)"
echo "target 20 ms away:  $rc generated cases in ${rs}s: $rr cases/s"
if awk -v c="$ec" -v s="$es" 'BEGIN {exit !(c >= 1000 && s <= 5)}'; then
  echo "target met: at least 1,000 cases in at most 5 s on the embedded reference"
else
  echo "target NOT met: want at least 1,000 cases in at most 5 s on the embedded reference"
  exit 1
fi
