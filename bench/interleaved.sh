#!/usr/bin/env bash
# Issue 2's three-way comparison measured in turns: our 1 KiB handler, `Deno.serve` and the raw
# `Deno.listen` loop all up at once, each round running wrk against each of them in a row, so
# that drift on a shared machine touches all three alike. Prints every round, the medians, the
# ratio of the medians, the median of the per-round ratios, and each server's peak RSS.
#
#   bash bench/interleaved.sh
#   TRIO_ROUNDS=7  TRIO_SECONDS=3  BENCH_CONNECTIONS=50  BENCH_THREADS=2
#   BENCH_PORT_BASE=18300 (ports BASE+30..BASE+32; 127.0.0.1 only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${TRIO_ROUNDS:-7}
SECONDS_EACH=${TRIO_SECONDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
BASE_PORT=$((${BENCH_PORT_BASE:-18300} + 30))
command -v wrk >/dev/null || { echo "interleaved.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

names=(ours deno_serve raw_loop)
scripts=(bench/base_handler.ts bench/deno_serve.ts bench/raw_loop.ts)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.3
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for i in 0 1 2; do
  deno run --allow-net=127.0.0.1 "${scripts[$i]}" $((BASE_PORT + i)) >/dev/null 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  port=$((BASE_PORT + i))
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && break; sleep 0.1; done
  timeout 15 wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port/" >/dev/null
done

# measure <port>: req/s of one wrk run
measure() {
  timeout $((SECONDS_EACH + 10)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_EACH}s" \
    "http://127.0.0.1:$1/" | awk '/Requests\/sec/ { printf "%d", $2 }'
}
declare -a r0 r1 r2 q1 q2
for round in $(seq "$ROUNDS"); do
  a=$(measure "$BASE_PORT")
  b=$(measure $((BASE_PORT + 1)))
  c=$(measure $((BASE_PORT + 2)))
  r0+=("$a") r1+=("$b") r2+=("$c")
  q1+=("$(awk -v x="$a" -v y="$b" 'BEGIN { printf "%.3f", x / y }')")
  q2+=("$(awk -v x="$a" -v y="$c" 'BEGIN { printf "%.3f", x / y }')")
  echo "round $round: ours $a, Deno.serve $b, raw loop $c req/s (ours/serve ${q1[-1]}, ours/raw ${q2[-1]})"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hwm() { awk '/VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
m0=$(median "${r0[@]}")
m1=$(median "${r1[@]}")
m2=$(median "${r2[@]}")
echo "medians: ours $m0, Deno.serve $m1, raw loop $m2 req/s"
echo "ratio of medians: ours/serve $(awk -v x="$m0" -v y="$m1" 'BEGIN { printf "%.2f", x / y }')x" \
  "(target >= 1.0), ours/raw $(awk -v x="$m0" -v y="$m2" 'BEGIN { printf "%.2f", x / y }')x (target >= 0.8)"
echo "median of per-round ratios: ours/serve $(median "${q1[@]}")x, ours/raw $(median "${q2[@]}")x"
echo "peak RSS: ours $(hwm "${pids[0]}"), Deno.serve $(hwm "${pids[1]}"), raw loop $(hwm "${pids[2]}")"
