#!/usr/bin/env bash
# Proxy benchmark (issue 12, item 6): 1 and 32 concurrent clients PATCH calls of the reference
# implementation directly and through `runner proxy`, in one run over loopback. Prints requests
# per second and p50/p99 latency per case (the median of COUNT runs, each run measuring the four
# cases one after the other, so that a machine whose speed drifts affects both sides alike), the
# latency the proxy adds with one client and the share of direct throughput it keeps with 32.
# The proxy judges every exchange it forwards. Each case starts with a warm-up off the clock,
# and every case uses the same client with the same keep-alive settings.
#
# It also prints the CPU time each process spent per request (Linux): on a machine shared with
# other work, requests per second depend on that work, CPU per request much less; with the load,
# the target and the proxy sharing the cores, the proxy keeps about
# (load + target) / (load + target + proxy) of direct throughput.
#
#   scripts/bench-proxy.sh                 # processes: runner serve, runner proxy, the load apart
#   MODE=inprocess scripts/bench-proxy.sh  # all in the benchmark's process (judging drained)
#   COUNT=9 REQUESTS=50000 scripts/bench-proxy.sh
#
# Defaults: 5 runs of 20000 requests per case, about a minute. Loopback only; bounded by COUNT.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${COUNT:-5}"
requests="${REQUESTS:-20000}"
mode="${MODE:-processes}"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
go test -c -o "$work/proxy.test" ./internal/proxy

url_of() { # waits for the "listening on URL" line of file $1
  for _ in $(seq 200); do grep -q '^listening on ' "$1" 2>/dev/null && break; sleep 0.05; done
  sed -n 's/^listening on //p' "$1" | head -1
}

if [ "$mode" = processes ]; then
  go build -o "$work/runner" ./runner
  env -u CALLCONF_TOKEN "$work/runner" serve --addr 127.0.0.1:0 >"$work/serve.out" 2>/dev/null &
  pids+=($!)
  serve_url=$(url_of "$work/serve.out")
  env -u CALLCONF_TOKEN "$work/runner" proxy --listen 127.0.0.1:0 --base-url "$serve_url" \
    --report-dir "$work/reports" --fail-on should >"$work/proxy.out" 2>"$work/proxy.err" &
  proxy_pid=$!
  pids+=("$proxy_pid")
  proxy_url=$(url_of "$work/proxy.out")
  export CALLCONF_BENCH_TARGET="$serve_url" CALLCONF_BENCH_PROXY="$proxy_url"
  export CALLCONF_BENCH_TARGET_PID="${pids[0]}" CALLCONF_BENCH_PROXY_PID="$proxy_pid"
fi

out=$(for _ in $(seq "$count"); do "$work/proxy.test" -test.run '^$' -test.bench '^BenchmarkProxy$' -test.benchtime="${requests}x"; done)
grep -E '^cpu:' <<<"$out" | head -1 || true
echo "mode: $mode; median of $count runs of $requests requests per case"
[ "$mode" = processes ] || echo "(in process mode the load column is the whole process: load, target and proxy)"
grep '^BenchmarkProxy/' <<<"$out" | awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    if (n == 0) return -1
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
  }
  function cpu(v) { return v < 0 ? "-" : sprintf("%.1f", v) }
  {
    name = $1; sub(/^BenchmarkProxy\//, "", name); sub(/-[0-9]+$/, "", name)
    for (i = 2; i < NF; i++) {
      if ($(i+1) == "req/s") rps[name] = rps[name] " " $i
      if ($(i+1) == "p50-µs") p50[name] = p50[name] " " $i
      if ($(i+1) == "p99-µs") p99[name] = p99[name] " " $i
      if ($(i+1) == "bench-cpu-µs/req") bcpu[name] = bcpu[name] " " $i
      if ($(i+1) == "target-cpu-µs/req") tcpu[name] = tcpu[name] " " $i
      if ($(i+1) == "proxy-cpu-µs/req") pcpu[name] = pcpu[name] " " $i
    }
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
  }
  END {
    printf "| case | req/s | p50 (ms) | p99 (ms) | CPU µs/req: load | target | proxy |\n|---|---:|---:|---:|---:|---:|---:|\n"
    for (k = 1; k <= n; k++) {
      c = order[k]; r[c] = median(rps[c]); m[c] = median(p50[c]); q[c] = median(p99[c])
      b[c] = median(bcpu[c]); t[c] = median(tcpu[c]); p[c] = median(pcpu[c])
      printf "| %s | %.0f | %.3f | %.3f | %s | %s | %s |\n", c, r[c], m[c] / 1000, q[c] / 1000, cpu(b[c]), cpu(t[c]), c ~ /proxy/ ? cpu(p[c]) : "-"
    }
    printf "\nwith 1 client the proxy adds %.3f ms at p50 (target: at most 0.5 ms)\n", (m["clients=1/proxy"] - m["clients=1/direct"]) / 1000
    printf "with 32 clients it keeps %.0f%% of direct throughput (target: at least 50%%)\n", 100 * r["clients=32/proxy"] / r["clients=32/direct"]
    d = "clients=32/direct"; x = "clients=32/proxy"
    if (p[x] >= 0 && t[x] >= 0) {
      printf "with 32 clients the proxy spends %.1f µs of CPU per request, the target %.1f, the load %.1f: by CPU alone it would keep %.0f%%\n", p[x], t[x], b[x], 100 * (b[d] + t[d]) / (b[x] + t[x] + p[x])
    } else if (b[d] > 0) {
      printf "with 32 clients the proxy costs %.1f µs of CPU per request beside the load and target'"'"'s %.1f: by CPU alone it would keep %.0f%%\n", b[x] - b[d], b[d], 100 * b[d] / b[x]
    }
  }'

if [ "$mode" = processes ]; then
  kill -INT "$proxy_pid"
  code=0
  wait "$proxy_pid" || code=$?
  judged=$(grep -c ' 0 findings$' "$work/proxy.out" || true)
  echo "runner proxy: exit $code, $judged exchanges judged without a finding, $(grep -c '^#' "$work/proxy.out" || true) forwarded"
  [ "$code" = 0 ] || { tail -20 "$work/proxy.out" "$work/proxy.err" >&2; exit 1; }
fi
