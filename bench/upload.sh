#!/usr/bin/env bash
# Uploads side by side with nginx's WebDAV PUT (issue #16): a file of UPLOAD_MIB MiB (default
# 1024) PUT with curl over loopback to `cli.ts --upload --overwrite` and to nginx
# (`dav_methods PUT;`), in alternating rounds; prints MiB/s per round and each server's peak
# RSS (VmHWM). Both servers pinned to core 0, curl to core 1. Each stored file is checked
# (SHA-256) once. Note: this server fsyncs every upload before renaming it into place; nginx
# renames its temporary file without an fsync.
#
#   bash bench/upload.sh [DIR]      DIR: the checkout to run (default: this one)
#   UPLOAD_MIB=1024 UPLOAD_ROUNDS=3 BENCH_PORT_BASE=18300 (ports +40, +41)
# Needs nginx with the DAV module (Debian's nginx), taskset, curl; 127.0.0.1 only.
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
ROOT=$(cd "${1:-$(dirname "$0")/..}" && pwd)
SIZE_MIB=${UPLOAD_MIB:-1024}
ROUNDS=${UPLOAD_ROUNDS:-3}
PORT_OURS=$((${BENCH_PORT_BASE:-18300} + 40))
PORT_NGINX=$((PORT_OURS + 1))
need_tools upload.sh nginx taskset curl sha256sum
bench_scratch WORK upload

mkdir -p "$WORK/ours" "$WORK/dav" "$WORK/nginx/logs"
chmod a+rwx "$WORK" "$WORK/dav" # nginx workers run as an unprivileged user under a root master
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$WORK/source.bin"
WANT=$(sha256sum <"$WORK/source.bin")
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_max_body_size 4g;
  client_body_temp_path $WORK/dav/.tmp;
  server {
    listen 127.0.0.1:$PORT_NGINX;
    root $WORK/dav;
    dav_methods PUT;
    dav_access user:rw group:r all:r;
  }
}
CONF
taskset -c 0 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >/dev/null 2>&1 &
NGINX_MASTER=$!
pids+=("$NGINX_MASTER")
(cd "$ROOT" && exec taskset -c 0 deno run --allow-net=127.0.0.1 --allow-read="$WORK/ours" \
  --allow-write="$WORK/ours" cli.ts --upload --overwrite --max-upload-size 4G \
  -b 127.0.0.1 -d "$WORK/ours" -p HTTP/1.1 "$PORT_OURS") >/dev/null 2>&1 &
OURS=$!
pids+=("$OURS")
for port in "$PORT_OURS" "$PORT_NGINX"; do
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
NGINX_WORKER=$(cat "/proc/$NGINX_MASTER/task/$NGINX_MASTER/children" | awk '{print $1}')

put() { # put <port> -> MiB/s
  local out code speed
  out=$(taskset -c 1 curl -s -o /dev/null -w '%{http_code} %{speed_upload}' -T "$WORK/source.bin" \
    "http://127.0.0.1:$1/big.bin")
  read -r code speed <<<"$out"
  [[ $code == 201 || $code == 204 ]] || { echo "upload.sh: port $1 answered $code" >&2; exit 1; }
  awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }'
}
peak() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

echo "Upload of ${SIZE_MIB} MiB over loopback, curl -T (MiB/s per round; servers on core 0)"
for round in $(seq "$ROUNDS"); do
  ours=$(put "$PORT_OURS")
  theirs=$(put "$PORT_NGINX")
  echo "round $round: httpserver $ours MiB/s, nginx dav $theirs MiB/s"
  if [[ $round == 1 ]]; then
    [[ $(sha256sum <"$WORK/ours/big.bin") == "$WANT" ]] || { echo "upload.sh: ours differs" >&2; exit 1; }
    [[ $(sha256sum <"$WORK/dav/big.bin") == "$WANT" ]] || { echo "upload.sh: nginx differs" >&2; exit 1; }
  fi
done
echo "peak RSS: httpserver $(peak "$OURS") MiB, nginx worker $(peak "$NGINX_WORKER") MiB"
