#!/usr/bin/env bash
# All cores (issue #17): 1 KiB keep-alive (cli.ts -p HTTP/1.1, /small.txt) with `--workers 2`,
# with one process, and nginx with `worker_processes 2`, unpinned (wrk shares the cores),
# wrk -t1. The three servers run at once on their own ports and are measured in alternation,
# so that drift on a shared machine touches all alike. Besides req/s it prints the servers'
# CPU time per request (user + system of every process of the server, from /proc), the figure
# the scaling model in bench/README.md is built on. The floor, measured alongside: the raw
# `Deno.listen` keep-alive loop (bench/raw_loop.ts), one process (`raw1`) and two sharing the port
# through SO_REUSEPORT (`raw2`): what any Deno server can reach here.
#
#   bash bench/workers.sh
#   WORKERS_ROUNDS=5  WORKERS_SECONDS=5  BENCH_CONNECTIONS=50  BENCH_PORT_BASE=18500
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
ROUNDS=${WORKERS_ROUNDS:-5}
SECONDS_EACH=${WORKERS_SECONDS:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
BASE=$((${BENCH_PORT_BASE:-18500} + 60))
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TICKS=$(getconf CLK_TCK)
need_tools workers.sh wrk
bench_scratch TREE workers 1
deno run --allow-write="$TREE" "$HERE/make_tree.ts" "$TREE" >/dev/null
sleep 3.5 # past the file cache's settle time, as in run.sh
mkdir -p "$TREE/nginx"
cat >"$TREE/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $TREE/nginx/nginx.pid;
error_log $TREE/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $TREE/nginx/body;
  proxy_temp_path $TREE/nginx/proxy;
  fastcgi_temp_path $TREE/nginx/fastcgi;
  uwsgi_temp_path $TREE/nginx/uwsgi;
  scgi_temp_path $TREE/nginx/scgi;
  server { listen 127.0.0.1:$((BASE + 2)); root $TREE; }
}
EOF

names=(workers2 one nginx2 raw1 raw2)
ports=($BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) $((BASE + 4)))
(cd "$ROOT" && exec deno run --allow-net=127.0.0.1 --allow-read="$TREE" --allow-run cli.ts \
  --workers 2 -b 127.0.0.1 -d "$TREE" -p HTTP/1.1 "${ports[0]}") >/dev/null 2>&1 &
pids+=($!)
(cd "$ROOT" && exec deno run --allow-net=127.0.0.1 --allow-read="$TREE" cli.ts \
  -b 127.0.0.1 -d "$TREE" -p HTTP/1.1 "${ports[1]}") >/dev/null 2>&1 &
pids+=($!)
nginx -p "$TREE/nginx" -c "$TREE/nginx/nginx.conf" -e "$TREE/nginx/error.log" >/dev/null 2>&1 &
pids+=($!)
deno run --allow-net=127.0.0.1 "$HERE/raw_loop.ts" "${ports[3]}" 4096 >/dev/null 2>&1 &
pids+=($!)
# Two loops under one parent, so that cpu() below counts both.
(
  trap 'kill $(jobs -p) 2>/dev/null' TERM EXIT
  for _ in 1 2; do
    deno run --unstable-net --allow-net=127.0.0.1 "$HERE/raw_loop.ts" "${ports[4]}" 4096 keep reuse &
  done
  wait
) >/dev/null 2>&1 &
pids+=($!)
for port in "${ports[@]}"; do
  for _ in $(seq 150); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/small.txt" && break
    sleep 0.1
  done
  timeout 10 wrk -t1 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port/small.txt" >/dev/null
done

declare -A rates cpus clients
TIMEFORMAT='%U %S'
for round in $(seq "$ROUNDS"); do
  for i in "${!names[@]}"; do
    before=$(process_cpu_ticks "${pids[$i]}")
    { time timeout $((SECONDS_EACH + 10)) wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" \
      "http://127.0.0.1:${ports[$i]}/small.txt" >"$TREE/wrk.out"; } 2>"$TREE/wrk.time"
    after=$(process_cpu_ticks "${pids[$i]}")
    out=$(cat "$TREE/wrk.out")
    rate=$(awk '/Requests\/sec/ { printf "%d", $2 }' <<<"$out")
    requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    us=$(printf '%.1f' "$(echo "($after - $before) * 1000000 / $TICKS / $requests" | bc -l)")
    wrk_us=$(printf '%.1f' "$(awk -v n="$requests" 'END { print ($1 + $2) * 1000000 / n }' "$TREE/wrk.time")")
    rates[${names[$i]}]+="$rate "
    cpus[${names[$i]}]+="$us "
    clients[${names[$i]}]+="$wrk_us "
    echo "round $round ${names[$i]}: $rate req/s, server $us µs CPU/request, wrk $wrk_us" >&2
  done
done

one=$(median ${rates[one]})
nginx=$(median ${rates[nginx2]})
printf '| server | median req/s | × one process | × nginx 2 workers | server CPU µs/req | wrk CPU µs/req |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
for name in "${names[@]}"; do
  m=$(median ${rates[$name]})
  c=$(median ${cpus[$name]})
  w=$(median ${clients[$name]})
  printf '| %s | %s | %.2f | %.2f | %s | %s |\n' "$name" "$m" "$(echo "$m / $one" | bc -l)" \
    "$(echo "$m / $nginx" | bc -l)" "$c" "$w"
done
