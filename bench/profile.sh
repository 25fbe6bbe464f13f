#!/usr/bin/env bash
# Profiles one keep-alive path under `deno run --cpu-prof` while wrk loads it for a fixed time;
# the server then stops by itself (timer or SIGTERM, both clean exits, so V8 writes the
# profile), and the top self-time functions are printed.
#
#   bash bench/profile.sh [base|raw|cli|list]
#     base  bench/base_handler.ts, GET /            (the 1 KiB handler; default)
#     raw   bench/raw_loop.ts, GET /                (the floor, for comparison)
#     cli   cli.ts -p HTTP/1.1, GET /small.txt      (the 1 KiB file through SimpleHTTPRequestHandler)
#     list  cli.ts -p HTTP/1.1, GET /dir/           (the 1000-entry listing)
#   PROFILE_SECONDS=10  BENCH_CONNECTIONS=50  BENCH_PORT_BASE=18300  PROFILE_TOP=30
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-base}
SECONDS_RUN=${PROFILE_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
PORT=$((${BENCH_PORT_BASE:-18300} + 9))
DIR=bench/results/tmp/profile-$WHAT-$(date +%Y-%m-%dT%H%M%S)
mkdir -p "$DIR"
PROF=(--cpu-prof --cpu-prof-dir="$DIR")
path=/
case $WHAT in
  base) deno run --allow-net=127.0.0.1 "${PROF[@]}" bench/base_handler.ts "$PORT" \
    >"$DIR/server.log" 2>&1 & ;;
  raw) deno run --allow-net=127.0.0.1 "${PROF[@]}" bench/raw_loop.ts "$PORT" \
    >"$DIR/server.log" 2>&1 & ;;
  cli | list)
    deno run --allow-write="$DIR/tree" bench/make_tree.ts "$DIR/tree" >/dev/null
    sleep 3.5 # past the file cache's settle time (as run.sh), so cached files are measured
    path=/small.txt
    [[ $WHAT == list ]] && path=/dir/
    deno run --allow-net=127.0.0.1 --allow-read="$DIR/tree" "${PROF[@]}" cli.ts -b 127.0.0.1 \
      -d "$DIR/tree" -p HTTP/1.1 "$PORT" >"$DIR/server.log" 2>/dev/null & ;;
  *) echo "usage: profile.sh [base|raw|cli|list]" >&2; exit 2 ;;
esac
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true; rm -rf "$DIR/tree"' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT$path" && break; sleep 0.1; done
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" "http://127.0.0.1:$PORT$path" | tee "$DIR/wrk.txt"
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
profile=$(ls "$DIR"/*.cpuprofile 2>/dev/null | head -1)
[[ -n $profile ]] || { echo "profile.sh: no profile written" >&2; exit 1; }
echo "profile: $profile"
deno run --allow-read bench/profile_summary.ts "$profile" "${PROFILE_TOP:-30}"
