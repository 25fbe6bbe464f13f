#!/usr/bin/env bash
# Close-per-request path (issue #17): every request on its own connection (wrk sends
# `Connection: close`), server pinned to one core and wrk to the other, 1 KiB answers. Compares
# the raw `Deno.listen` read-write-close loop (`raw_loop.ts PORT 4096 close`, the floor), nginx
# (one worker) and this server from one or more checkouts, measured in alternation rounds so
# drift on a shared machine touches all alike; prints the median connections/s of each, its
# ratio to the raw loop, and the server's CPU time per connection (user + system of the server's
# processes from /proc/PID/stat over the run, divided by the connections wrk completed): on a
# machine shared with other work the throughput moves with the load, the CPU per connection much
# less. wrk only reconnects when the answer says the connection ends (HTTP/1.0,
# or `Connection: close`), so ours runs as `python -m http.server` does, HTTP/1.0.
#
#   bash bench/close_path.sh [cli|base] CHECKOUT...
#     cli   cli.ts (HTTP/1.0, the default) on a generated tree, GET /small.txt, log to /dev/null
#     base  bench/base_handler.ts (HTTP/1.1: its answers do not say close, so wrk counts an
#           error per request; for profiling only)
#   CLOSE_ROUNDS=3 CLOSE_SECONDS=5 BENCH_CONNECTIONS=50 BENCH_PORT_BASE=18400
#   SERVER_CPU=0 CLIENT_CPU=1  CLOSE_PROFILE=DIR (write --cpu-prof profiles of ours there)
#   CLOSE_NGINX=0 (leave nginx out: raw loop and ours only)
#   CLOSE_WARMUP=1 (seconds of load before each measured run, unmeasured: a fresh server's JIT
#   compiling would otherwise count in its CPU per connection)
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
WHAT=${1:-cli}
shift
[[ $# -ge 1 ]] || { echo "usage: close_path.sh [base|cli] CHECKOUT..." >&2; exit 2; }
ROUNDS=${CLOSE_ROUNDS:-3}
SECONDS_EACH=${CLOSE_SECONDS:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
PORT=$((${BENCH_PORT_BASE:-18400} + 40))
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
TICKS=$(getconf CLK_TCK)
bench_scratch TREE close 0.5
deno run --allow-write="$TREE" "$HERE/make_tree.ts" "$TREE" >/dev/null
mkdir -p "$TREE/nginx"
cat >"$TREE/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TREE/nginx/nginx.pid;
error_log $TREE/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TREE/nginx/body;
  proxy_temp_path $TREE/nginx/proxy;
  fastcgi_temp_path $TREE/nginx/fastcgi;
  uwsgi_temp_path $TREE/nginx/uwsgi;
  scgi_temp_path $TREE/nginx/scgi;
  server { listen 127.0.0.1:$PORT; root $TREE; location = / { try_files /small.txt =404; } }
}
EOF

# names: raw nginx then one per checkout
names=(raw nginx)
dirs=("" "")
if [[ ${CLOSE_NGINX:-1} == 0 ]]; then
  names=(raw)
  dirs=("")
fi
n=0
for dir in "$@"; do
  names+=("ours$n:$(basename "$dir")")
  dirs+=("$(cd "$dir" && pwd)")
  n=$((n + 1))
done

start() { # index
  local name=${names[$1]} dir=${dirs[$1]} prof=()
  [[ -n ${CLOSE_PROFILE:-} && $name == ours* ]] && prof=(--cpu-prof --cpu-prof-dir="$CLOSE_PROFILE")
  case $name in
    raw) taskset -c "$SERVER_CPU" deno run -A "$HERE/raw_loop.ts" "$PORT" 4096 close >/dev/null 2>&1 & ;;
    nginx) taskset -c "$SERVER_CPU" nginx -p "$TREE/nginx" -c "$TREE/nginx/nginx.conf" \
      -e "$TREE/nginx/error.log" >/dev/null 2>&1 & ;;
    *)
      if [[ $WHAT == base ]]; then
        (cd "$dir" && exec taskset -c "$SERVER_CPU" deno run "${prof[@]}" --allow-net=127.0.0.1 \
          bench/base_handler.ts "$PORT") >/dev/null 2>&1 &
      else
        (cd "$dir" && exec taskset -c "$SERVER_CPU" deno run "${prof[@]}" --allow-net=127.0.0.1 \
          --allow-read="$TREE" cli.ts -b 127.0.0.1 -d "$TREE" "$PORT") \
          >/dev/null 2>&1 &
      fi ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return; sleep 0.1; done
  echo "close_path.sh: ${names[$1]} did not start" >&2
  exit 1
}

stop() {
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  sleep 0.5
}


path=/
[[ $WHAT == cli ]] && path=/small.txt
declare -A results cpus
for round in $(seq "$ROUNDS"); do
  for i in "${!names[@]}"; do
    start "$i"
    p=$path
    [[ ${names[$i]} == raw || ${names[$i]} == nginx ]] && p=/
    if [[ ${CLOSE_WARMUP:-1} != 0 ]]; then
      taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${CLOSE_WARMUP:-1}s" \
        -H "Connection: close" "http://127.0.0.1:$PORT$p" >/dev/null
    fi
    before=$(process_cpu_ticks "$server_pid")
    out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" \
      -H "Connection: close" "http://127.0.0.1:$PORT$p")
    after=$(process_cpu_ticks "$server_pid")
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    us=$(printf '%.1f' "$(echo "($after - $before) * 1000000 / $TICKS / $requests" | bc -l)")
    stop
    results[${names[$i]}]+="$rate "
    cpus[${names[$i]}]+="$us "
    echo "round $round ${names[$i]}: $rate req/s, server $us µs CPU/conn" \
      "$(echo "$out" | grep -i 'socket errors' || true)" >&2
  done
done

raw=$(median ${results[raw]})
raw_cpu=$(median ${cpus[raw]})
printf '| server | median conn/s | × raw loop | server CPU µs/conn | raw loop CPU ÷ this |\n'
printf '|---|---:|---:|---:|---:|\n'
for name in "${names[@]}"; do
  m=$(median ${results[$name]})
  c=$(median ${cpus[$name]})
  printf '| %s | %s | %.2f | %s | %.2f |\n' "$name" "$m" "$(echo "$m / $raw" | bc -l)" "$c" \
    "$(echo "$raw_cpu / $c" | bc -l)"
done
