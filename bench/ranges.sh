#!/usr/bin/env bash
# Byte ranges side by side with nginx (issue #13): the two servers each pinned to core 0, wrk
# pinned to core 1, measured in alternating rounds so drift touches both alike.
#   1. 1 KiB ranges at random offsets of a 100 MiB file (`Range: bytes=a-(a+1023)`, a random per
#      request, from bench/ranges_random.lua);
#   2. a 2-range request answered as multipart/byteranges (`bytes=0-1023,4096-5119`);
#   3. (reference) a whole 1 KiB file without Range, the fastest file answer either server has:
#      the ceiling a 1 KiB range can approach.
# Each range answer is checked once with curl first (status 206 and the bytes of the file).
#
#   bash bench/ranges.sh [DIR]      DIR: the checkout to run (default: this one)
#   RANGES_ROUNDS=5 RANGES_SECONDS=3 BENCH_CONNECTIONS=50 BENCH_PORT_BASE=18300 (ports +30, +31)
#   RANGES_CASES="random multi whole"  which of the three to run, in this order
# Prints, per case, the median req/s of each server and their ratio, then the median server CPU
# time per answer (user + system of the server's processes over each round, from /proc).
# Needs wrk, nginx (apt-get install wrk nginx-light), taskset, curl; 127.0.0.1 only.
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
ROOT=$(cd "${1:-$(dirname "$0")/..}" && pwd)
ROUNDS=${RANGES_ROUNDS:-5}
read -r -a CASES <<<"${RANGES_CASES:-random multi whole}"
SECONDS_EACH=${RANGES_SECONDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
PORT_OURS=$((${BENCH_PORT_BASE:-18300} + 30))
PORT_NGINX=$((PORT_OURS + 1))
FILE_SIZE=$((100 * 1024 * 1024))
need_tools ranges.sh wrk nginx taskset curl
bench_scratch WORK ranges

mkdir -p "$WORK/www" "$WORK/nginx/logs"
head -c "$FILE_SIZE" /dev/urandom >"$WORK/www/big.bin"
head -c 1024 /dev/urandom >"$WORK/www/small.bin"
# nginx's worker runs as nobody when started as root: let it read the (mktemp 0700) tree.
chmod a+rx "$WORK" "$WORK/www" && chmod a+r "$WORK/www/big.bin" "$WORK/www/small.bin"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  etag on;
  server {
    listen 127.0.0.1:$PORT_NGINX;
    root $WORK/www;
  }
}
CONF
taskset -c 0 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >/dev/null 2>&1 &
pids+=($!)
NGINX_PID=$!
(cd "$ROOT" && exec taskset -c 0 deno run --allow-net=127.0.0.1 --allow-read="$WORK/www" cli.ts \
  -b 127.0.0.1 -d "$WORK/www" -p HTTP/1.1 "$PORT_OURS") >/dev/null 2>&1 &
pids+=($!)
OURS_PID=$!
TICKS=$(getconf CLK_TCK)

check() { # check <port> <range> <expected bytes from the file (start:length,...)>
  local got want status
  status=$(curl -s -o "$WORK/got" -w '%{http_code}' -H "Range: bytes=$2" "http://127.0.0.1:$1/big.bin")
  [[ $status == 206 ]] || { echo "ranges.sh: port $1 answered $status to bytes=$2" >&2; exit 1; }
  if [[ $2 != *,* ]]; then
    # dd, not `tail | head`: under pipefail, tail's SIGPIPE would fail the script.
    want=$(dd if="$WORK/www/big.bin" iflag=skip_bytes,count_bytes skip="${2%-*}" count=1024 \
      status=none | sha256sum)
    got=$(sha256sum <"$WORK/got")
    [[ $got == "$want" ]] || { echo "ranges.sh: port $1 sent other bytes for $2" >&2; exit 1; }
  fi
}
for port in "$PORT_OURS" "$PORT_NGINX"; do
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && break; sleep 0.1; done
  check "$port" "5000-6023"
  check "$port" "0-1023,4096-5119"
done

# measure <port> <server pid> random|multi|whole -> "req/s CPU-µs": the rate, and the server's
# CPU time (user + system, from /proc) per answer over the round. On a shared machine the CPU
# per answer moves less than the rate: other work takes turns from both alike.
measure() {
  local args=() path=/big.bin out before after
  case $3 in
    random) args=(-s "$ROOT/bench/ranges_random.lua") ;;
    multi) args=(-H "Range: bytes=0-1023,4096-5119") ;;
    whole) path=/small.bin ;;
  esac
  before=$(process_cpu_ticks "$2")
  out=$(RANGE_FILE_SIZE=$FILE_SIZE timeout $((SECONDS_EACH + 10)) taskset -c 1 wrk -t1 \
    -c"$CONNECTIONS" -d"${SECONDS_EACH}s" "${args[@]}" "http://127.0.0.1:$1$path")
  after=$(process_cpu_ticks "$2")
  echo "$out" | awk -v ticks="$((after - before))" -v hz="$TICKS" '
    /requests in/ { requests = $1 }
    /Requests\/sec/ { rate = $2 }
    END { printf "%d %.1f\n", rate, (requests > 0 ? ticks * 1000000 / hz / requests : 0) }'
}
for what in "${CASES[@]}"; do
  measure "$PORT_OURS" "$OURS_PID" "$what" >/dev/null
  measure "$PORT_NGINX" "$NGINX_PID" "$what" >/dev/null
  ours=() theirs=() ours_cpu=() theirs_cpu=()
  for _ in $(seq "$ROUNDS"); do
    read -r rate cpu < <(measure "$PORT_OURS" "$OURS_PID" "$what")
    ours+=("$rate") ours_cpu+=("$cpu")
    read -r rate cpu < <(measure "$PORT_NGINX" "$NGINX_PID" "$what")
    theirs+=("$rate") theirs_cpu+=("$cpu")
  done
  mo=$(median "${ours[@]}")
  mn=$(median "${theirs[@]}")
  co=$(median "${ours_cpu[@]}")
  cn=$(median "${theirs_cpu[@]}")
  echo "$what: ours ${ours[*]} -> $mo req/s; nginx ${theirs[*]} -> $mn req/s; ratio $(awk -v a="$mo" -v b="$mn" 'BEGIN { printf "%.2f", a / b }')"
  echo "$what: server CPU µs per answer: ours ${ours_cpu[*]} -> $co; nginx ${theirs_cpu[*]} -> $cn; nginx/ours $(awk -v a="$cn" -v b="$co" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
done
