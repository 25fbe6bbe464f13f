#!/usr/bin/env bash
# Compression side by side with nginx (issue #14): a 100 KiB JavaScript file, wrk sending
# `Accept-Encoding: gzip`, the servers pinned to core 0 and wrk to core 1.
#   identity   ours without --compress / nginx with gzip off
#   static     a precompressed sibling app.js.gz (ours --compress / nginx gzip_static on)
#   on-the-fly no sibling (ours --compress: compressed once, then from the per-server cache /
#              nginx gzip on, level 6: compressed on every request)
# Bytes on the wire are the body sizes curl reports for the same request.
#
#   bash bench/compression.sh [DIR]     DIR: the checkout to run (default: this one)
#   COMPRESS_SECONDS=3 BENCH_CONNECTIONS=50 BENCH_PORT_BASE=18300 (ports +40 .. +42)
# Needs wrk, nginx, taskset, curl; 127.0.0.1 only.
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
ROOT=$(cd "${1:-$(dirname "$0")/..}" && pwd)
SECONDS_EACH=${COMPRESS_SECONDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
PORT_PLAIN=$((${BENCH_PORT_BASE:-18300} + 40))
PORT_OURS=$((PORT_PLAIN + 1))
PORT_NGINX=$((PORT_PLAIN + 2))
need_tools compression.sh wrk nginx taskset curl gzip
bench_scratch WORK compress

mkdir -p "$WORK/www" "$WORK/nginx/logs"
# nginx workers run as nobody: the tree must be world-readable.
chmod 755 "$WORK"
# 100 KiB of varied, minified-looking JavaScript.
awk 'BEGIN { srand(14); s = ""; while (length(s) < 102400) {
  s = s sprintf("function f%d(a,b){return a*%d+b.map(x=>x+\"k%d\").join(\",\")}", NR++, int(rand()*1e6), int(rand()*1e4)) }
  printf "%s", substr(s, 1, 102400) }' >"$WORK/www/app.js"
cp "$WORK/www/app.js" "$WORK/www/fly.js"
gzip -k -9 "$WORK/www/app.js"
chmod a+r "$WORK"/www/*
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  types { application/javascript js; }
  server {
    listen 127.0.0.1:$PORT_NGINX;
    root $WORK/www;
    location /plain/ { alias $WORK/www/; gzip off; gzip_static off; }
    location / { gzip on; gzip_static on; gzip_comp_level 6; gzip_types application/javascript; gzip_vary on; }
  }
}
CONF
taskset -c 0 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >/dev/null 2>&1 &
pids+=($!)
for args in "$PORT_PLAIN" "--compress $PORT_OURS"; do
  # shellcheck disable=SC2086
  (cd "$ROOT" && exec taskset -c 0 deno run --allow-net=127.0.0.1 --allow-read="$WORK/www" \
    cli.ts -b 127.0.0.1 -d "$WORK/www" -p HTTP/1.1 $args) >/dev/null 2>&1 &
  pids+=($!)
done
for port in "$PORT_PLAIN" "$PORT_OURS" "$PORT_NGINX"; do
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/app.js" && break; sleep 0.1; done
done

bytes() { curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' "$1"; }
measure() {
  timeout $((SECONDS_EACH + 10)) taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" \
    -H 'Accept-Encoding: gzip' "$1" | awk '/Requests\/sec/ { printf "%d", $2 }'
}
row() { # row <label> <url>
  measure "$2" >/dev/null
  printf '| %-28s | %8s | %8s |\n' "$1" "$(measure "$2")" "$(bytes "$2")"
}
echo "| 100 KiB JS, Accept-Encoding: gzip | req/s | body bytes |"
echo "| ---------------------------- | -------- | -------- |"
row "ours, identity" "http://127.0.0.1:$PORT_PLAIN/fly.js"
row "ours --compress, .gz sibling" "http://127.0.0.1:$PORT_OURS/app.js"
row "ours --compress, on the fly" "http://127.0.0.1:$PORT_OURS/fly.js"
row "nginx, identity" "http://127.0.0.1:$PORT_NGINX/plain/fly.js"
row "nginx gzip_static" "http://127.0.0.1:$PORT_NGINX/app.js"
row "nginx gzip on (level 6)" "http://127.0.0.1:$PORT_NGINX/fly.js"
