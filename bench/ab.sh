#!/usr/bin/env bash
# Paired A/B: the same server from two checkouts (or with two sets of V8 flags), both running at
# once and measured in alternation, so that drift on a shared machine touches both alike.
# Single runs here move by ±15 %; compare the medians this prints.
#
#   bash bench/ab.sh DIR_A DIR_B [base|small|big|list]
#     DIR_A, DIR_B   repository checkouts (e.g. `git worktree add /tmp/before HEAD~1`)
#     base           bench/base_handler.ts, GET /            (default)
#     small|big|list cli.ts -p HTTP/1.1 on a generated tree: /small.txt, /big.bin, /dir/
#   AB_ROUNDS=6  AB_SECONDS=3  AB_FLAGS_A=  AB_FLAGS_B=  (V8 flags, e.g. --max-semi-space-size=2)
#   BENCH_CONNECTIONS=50  BENCH_PORT_BASE=18300 (ports BASE+20, BASE+21; 127.0.0.1 only)
set -euo pipefail
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
WHAT=${3:-base}
ROUNDS=${AB_ROUNDS:-6}
SECONDS_EACH=${AB_SECONDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
PORT_A=$((${BENCH_PORT_BASE:-18300} + 20))
PORT_B=$((PORT_A + 1))
command -v wrk >/dev/null || { echo "ab.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
TREE=$(mktemp -d /tmp/httpserver-ab-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.3
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$TREE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

path=/
case $WHAT in
  base) ;;
  small) path=/small.txt ;;
  big) path=/big.bin ;;
  list) path=/dir/ ;;
  *) echo "usage: ab.sh DIR_A DIR_B [base|small|big|list]" >&2; exit 2 ;;
esac
if [[ $WHAT != base ]]; then
  (cd "$A" && deno run --allow-write="$TREE" bench/make_tree.ts "$TREE" >/dev/null)
  sleep 3.5 # past the file cache's settle time, as in run.sh
fi

# serve <dir> <port> <v8 flags>
serve() {
  local flags=()
  [[ -n $3 ]] && flags=("--v8-flags=$3")
  if [[ $WHAT == base ]]; then
    (cd "$1" && exec deno run "${flags[@]}" --allow-net=127.0.0.1 bench/base_handler.ts "$2") \
      >/dev/null 2>&1 &
  else
    (cd "$1" && exec deno run "${flags[@]}" --allow-net=127.0.0.1 --allow-read="$TREE" cli.ts \
      -b 127.0.0.1 -d "$TREE" -p HTTP/1.1 "$2") >/dev/null 2>&1 &
  fi
  pids+=($!)
}
serve "$A" "$PORT_A" "${AB_FLAGS_A:-}"
serve "$B" "$PORT_B" "${AB_FLAGS_B:-}"
for port in "$PORT_A" "$PORT_B"; do
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port$path" && break; sleep 0.1; done
  timeout 10 wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port$path" >/dev/null
done

# measure <port>: req/s (MiB/s for big) of one wrk run
measure() {
  local out
  out=$(timeout $((SECONDS_EACH + 10)) wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" \
    "http://127.0.0.1:$1$path")
  if [[ $WHAT == big ]]; then
    awk '/Transfer\/sec/ { v = $2; if (v ~ /GB$/) v *= 1024; else if (v ~ /KB$/) v /= 1024; printf "%d", v }' <<<"$out"
  else
    awk '/Requests\/sec/ { printf "%d", $2 }' <<<"$out"
  fi
}
ra=()
rb=()
for _ in $(seq "$ROUNDS"); do
  ra+=("$(measure "$PORT_A")")
  rb+=("$(measure "$PORT_B")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hwm() { awk '/VmHWM/ { printf "%d MiB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
unit=req/s
[[ $WHAT == big ]] && unit=MiB/s
echo "A $A ${AB_FLAGS_A:-}: ${ra[*]} -> median $(median "${ra[@]}") $unit, peak RSS $(hwm "${pids[0]}")"
echo "B $B ${AB_FLAGS_B:-}: ${rb[*]} -> median $(median "${rb[@]}") $unit, peak RSS $(hwm "${pids[1]}")"
