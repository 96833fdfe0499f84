#!/usr/bin/env bash
# Proxy benchmark (issue 12, item 6): 1 and 32 concurrent clients PATCH calls of the reference
# implementation directly and through `runner proxy`'s engine, in one `go test -bench` run over
# loopback. Prints requests per second and p50/p99 latency per case (the median of COUNT runs,
# each run measuring the four cases one after the other, so that a machine whose speed drifts
# affects both sides alike), the latency the proxy adds with one client and the share of direct
# throughput it keeps with 32. The proxy's figures include judging every exchange.
#
#   scripts/bench-proxy.sh            # 5 runs of 20000 requests per case (about a minute)
#   COUNT=9 REQUESTS=50000 scripts/bench-proxy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
count="${COUNT:-5}"
requests="${REQUESTS:-20000}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/proxy.test" ./internal/proxy
out=$(for _ in $(seq "$count"); do "$work/proxy.test" -test.run '^$' -test.bench '^BenchmarkProxy$' -test.benchtime="${requests}x"; done)
grep -E '^(goos|goarch|cpu):' <<<"$out" || true
grep '^BenchmarkProxy/' <<<"$out" | awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
  }
  {
    name = $1; sub(/^BenchmarkProxy\//, "", name); sub(/-[0-9]+$/, "", name)
    for (i = 2; i < NF; i++) {
      if ($(i+1) == "req/s") rps[name] = rps[name] " " $i
      if ($(i+1) == "p50-µs") p50[name] = p50[name] " " $i
      if ($(i+1) == "p99-µs") p99[name] = p99[name] " " $i
    }
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
  }
  END {
    printf "| case | req/s | p50 (ms) | p99 (ms) |\n|---|---:|---:|---:|\n"
    for (k = 1; k <= n; k++) {
      c = order[k]; r[c] = median(rps[c]); m[c] = median(p50[c]); q[c] = median(p99[c])
      printf "| %s | %.0f | %.3f | %.3f |\n", c, r[c], m[c] / 1000, q[c] / 1000
    }
    printf "\nwith 1 client the proxy adds %.3f ms at p50 (target: at most 0.5 ms)\n", (m["clients=1/proxy"] - m["clients=1/direct"]) / 1000
    printf "with 32 clients it keeps %.0f%% of direct throughput (target: at least 50%%)\n", 100 * r["clients=32/proxy"] / r["clients=32/direct"]
  }'
