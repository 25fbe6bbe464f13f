#!/usr/bin/env bash
# Directory listings of 100,000 entries (issue #15): time to first byte and total time of one
# listing request, against nginx `autoindex on` (HTML and `autoindex_format json`) and Python
# 3.13's `http.server`; and, for this server, how long a small file takes while a listing is
# being built (does the listing block other clients?) and the peak resident memory.
# Each figure is the median of LISTINGS_ROUNDS requests made one after another with curl.
#
#   bash bench/listings.sh [DIR]       DIR: the checkout to run (default: this one)
#   LISTINGS_ENTRIES=100000 LISTINGS_ROUNDS=5 BENCH_PORT_BASE=18300 (ports +40 .. +43)
# Needs nginx, curl, python3.13 (pyenv 3.13.0), 127.0.0.1 only. Other load on the machine
# skews the figures: note it next to them.
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
ROOT=$(cd "${1:-$(dirname "$0")/..}" && pwd)
ENTRIES=${LISTINGS_ENTRIES:-100000}
ROUNDS=${LISTINGS_ROUNDS:-5}
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
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >/dev/null 2>&1 &
pids+=($!)
"$PYTHON" -m http.server -b 127.0.0.1 -d "$WORK/www" "$PORT_PYTHON" >/dev/null 2>&1 &
pids+=($!)
(cd "$ROOT" && exec deno run --allow-net=127.0.0.1 --allow-read="$WORK/www" cli.ts \
  -b 127.0.0.1 -d "$WORK/www" -p HTTP/1.1 "$PORT_OURS") >/dev/null 2>&1 &
ours=$!
pids+=($ours)
(cd "$ROOT" && exec deno run --allow-net=127.0.0.1 --allow-read="$WORK/www" cli.ts \
  -b 127.0.0.1 -d "$WORK/www" -p HTTP/1.1 --listing rich "$((PORT_OURS + 10))") >/dev/null 2>&1 &
pids+=($!)
for port in "$PORT_OURS" "$((PORT_OURS + 10))" "$PORT_PYTHON" "$PORT_NGINX" "$PORT_NGINX_JSON"; do
  for _ in $(seq 150); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/small.txt" && break; sleep 0.1; done
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # measure <label> <url> [curl args...]: median TTFB and total in ms, body bytes
  local label=$1 url=$2 ttfb=() total=() size=0 line
  shift 2
  for _ in $(seq "$ROUNDS"); do
    line=$(curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}' "$@" "$url")
    ttfb+=("$(awk '{printf "%.0f", $1 * 1000}' <<<"$line")")
    total+=("$(awk '{printf "%.0f", $2 * 1000}' <<<"$line")")
    size=$(awk '{print $3}' <<<"$line")
  done
  printf '| %-44s | %8s | %8s | %10s |\n' "$label" \
    "$(printf '%s\n' "${ttfb[@]}" | median)" "$(printf '%s\n' "${total[@]}" | median)" "$size"
}

echo "Listing of $ENTRIES entries; median of $ROUNDS requests; ms"
echo
echo "| request                                      | TTFB ms  | total ms | bytes      |"
echo "|----------------------------------------------|----------|----------|------------|"
measure "ours, Python's page (default)" "http://127.0.0.1:$PORT_OURS/big/"
measure "ours, --listing rich" "http://127.0.0.1:$((PORT_OURS + 10))/big/"
measure "ours, --listing rich ?sort=size&order=desc" "http://127.0.0.1:$((PORT_OURS + 10))/big/?sort=size&order=desc"
measure "ours, JSON (Accept: application/json)" "http://127.0.0.1:$PORT_OURS/big/" -H "Accept: application/json"
measure "Python 3.13 http.server" "http://127.0.0.1:$PORT_PYTHON/big/"
measure "nginx autoindex (HTML)" "http://127.0.0.1:$PORT_NGINX/big/"
measure "nginx autoindex_format json" "http://127.0.0.1:$PORT_NGINX_JSON/big/"

# Another client during a listing: small files requested one after another for as long as a
# listing is being built and sent; the slowest of them says how long the server stalled.
echo
echo "Small files requested while a listing runs (slowest and median ms, and how many):"
for label_port in "ours, Python's page:$PORT_OURS" "ours, rich:$((PORT_OURS + 10))" "Python 3.13:$PORT_PYTHON"; do
  port=${label_port##*:}
  small=()
  for _ in $(seq "$ROUNDS"); do
    curl -s -o /dev/null "http://127.0.0.1:$port/big/?n=$RANDOM" &
    listing=$!
    while kill -0 "$listing" 2>/dev/null; do
      small+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/small.txt" | awk '{printf "%.0f", $1 * 1000}')")
    done
    wait "$listing"
  done
  slowest=$(printf '%s\n' "${small[@]}" | sort -n | tail -1)
  echo "  ${label_port%:*}: slowest $slowest ms, median $(printf '%s\n' "${small[@]}" | median) ms, ${#small[@]} requests"
done
echo
echo "Peak resident memory of this server (default listing): $(awk '/VmHWM/ {print $2, $3}' "/proc/$ours/status" 2>/dev/null || echo "?")"
