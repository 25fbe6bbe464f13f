#!/usr/bin/env bash
# Directory listings of 100,000 entries (issue #15), side by side: this server's three listings
# (CPython's page, `--listing rich`, JSON) for each checkout given, Python 3.13's `http.server`
# and nginx `autoindex on` (HTML and `autoindex_format json`). For each: time to first byte and
# total time of the listing (curl), how long another client waited meanwhile (small files
# requested one after another on a keep-alive connection while the listing runs: slowest,
# 99th percentile, median), and the server's resident memory (growth during the first listing
# of a fresh process over its size before, and the highest peak). `bench/listing_probe.ts`
# does the measuring; every one of our listings gets a fresh server process.
#
#   bash bench/listings.sh [CHECKOUT...]    default: this checkout; several: A/B in one run
#   LISTINGS_ENTRIES=100000 LISTINGS_ROUNDS=3 BENCH_PORT_BASE=18300 (ports +40 .. +43)
# Needs nginx, curl, python3.13 (pyenv 3.13.0), 127.0.0.1 only. Other load on the machine
# skews the figures: note it next to them.
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
HERE=$(cd "$(dirname "$0")/.." && pwd)
CHECKOUTS=("$@")
[ ${#CHECKOUTS[@]} -eq 0 ] && CHECKOUTS=("$HERE")
ENTRIES=${LISTINGS_ENTRIES:-100000}
ROUNDS=${LISTINGS_ROUNDS:-3}
PORT_OURS=$((${BENCH_PORT_BASE:-18300} + 40))
PORT_PYTHON=$((PORT_OURS + 1))
PORT_NGINX=$((PORT_OURS + 2))
PORT_NGINX_JSON=$((PORT_OURS + 3))
PYTHON=$(PYENV_VERSION=3.13.0 pyenv which python3 2>/dev/null || command -v python3.13)
need_tools listings.sh nginx curl
bench_scratch WORK listings

chmod 755 "$WORK"
mkdir -p "$WORK/www/big" "$WORK/nginx/logs"
echo small >"$WORK/www/small.txt"
(cd "$WORK/www/big" && seq -f "file-%06g.txt" 1 "$ENTRIES" | xargs touch)
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$PORT_NGINX; root $WORK/www; autoindex on; }
  server { listen 127.0.0.1:$PORT_NGINX_JSON; root $WORK/www; autoindex on; autoindex_format json; }
}
CONF

ready() { # ready PORT: waits until the server answers
  for _ in $(seq 150); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/small.txt" && return; sleep 0.1; done
  echo "listings.sh: nothing answers on port $1" >&2
  exit 1
}
probe() { # probe LABEL URL PID [-- CURL_ARGS...]: one table row
  local label=$1 url=$2 pid=$3
  shift 3
  deno run -A "$HERE/bench/listing_probe.ts" --rounds "$ROUNDS" --label "$label" "$url" /small.txt "$pid" "$@"
}

echo "Listing of $ENTRIES entries; $ROUNDS rounds each (TTFB and total: medians; waits: over all rounds)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| server, listing | TTFB ms | total ms | bytes | other client slowest ms | p99 ms | median ms | its requests | RSS growth MiB | peak RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for checkout in "${CHECKOUTS[@]}"; do
  name=$(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || basename "$checkout")
  for kind in python rich json; do
    args=()
    curl_args=()
    [ "$kind" = rich ] && args=(--listing rich)
    [ "$kind" = json ] && curl_args=(-- -H "Accept: application/json")
    (cd "$checkout" && exec deno run --allow-net=127.0.0.1 --allow-read="$WORK/www" cli.ts \
      -b 127.0.0.1 -d "$WORK/www" -p HTTP/1.1 "${args[@]}" "$PORT_OURS") >/dev/null 2>&1 &
    server=$!
    pids+=("$server")
    ready "$PORT_OURS"
    probe "ours $name, $kind" "http://127.0.0.1:$PORT_OURS/big/" "$server" "${curl_args[@]}"
    kill "$server"
    wait "$server" 2>/dev/null || true
  done
done

"$PYTHON" -m http.server -b 127.0.0.1 -d "$WORK/www" "$PORT_PYTHON" >/dev/null 2>&1 &
python_pid=$!
pids+=("$python_pid")
ready "$PORT_PYTHON"
probe "Python 3.13 http.server" "http://127.0.0.1:$PORT_PYTHON/big/" "$python_pid"

nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >/dev/null 2>&1 &
nginx_master=$!
pids+=("$nginx_master")
ready "$PORT_NGINX"
ready "$PORT_NGINX_JSON"
nginx_worker=$(cat "/proc/$nginx_master/task/$nginx_master/children" | cut -d' ' -f1)
probe "nginx autoindex (HTML)" "http://127.0.0.1:$PORT_NGINX/big/" "$nginx_worker"
probe "nginx autoindex_format json" "http://127.0.0.1:$PORT_NGINX_JSON/big/" "$nginx_worker"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
