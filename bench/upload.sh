#!/usr/bin/env bash
# Uploads side by side with nginx's WebDAV PUT (issue #16): a file of UPLOAD_MIB MiB (default
# 1024) sent with curl over loopback to `cli.ts --upload --overwrite`, first as a
# `multipart/form-data` POST (`curl -F`; nginx has no form upload), then as a PUT (`curl -T`)
# alternating with nginx (`dav_methods PUT;`). Prints MiB/s and the server's CPU seconds per
# upload, and each server's idle RSS and peak RSS (VmHWM) after the form rounds and after the
# PUT rounds. With a second checkout BEFORE, its `cli.ts` takes the same rounds alternating
# with DIR's: a paired before/after. Servers pinned to core 0, curl to core 1. Each stored
# file is checked (SHA-256) once. Note: this server fsyncs every upload before renaming it into
# place; nginx renames its temporary file without an fsync. UPLOAD_TMPFS=1 puts the files on a
# tmpfs mounted for the run (needs root and about 5 × UPLOAD_MIB of free memory): the disk's
# write-back, which dominates on a shared machine, is out of the figures.
#
#   bash bench/upload.sh [DIR [BEFORE]]   DIR: the checkout to run (default: this one)
#   UPLOAD_MIB=1024 UPLOAD_ROUNDS=3 UPLOAD_TMPFS=0 BENCH_PORT_BASE=18300 (ports +40, +41, +42)
# Needs nginx with the DAV module (Debian's nginx), taskset, curl; 127.0.0.1 only.
set -euo pipefail
# shellcheck source=bench/_lib.sh
source "$(dirname "$0")/_lib.sh"
ROOT=$(cd "${1:-$(dirname "$0")/..}" && pwd)
BEFORE=${2:+$(cd "$2" && pwd)}
SIZE_MIB=${UPLOAD_MIB:-1024}
ROUNDS=${UPLOAD_ROUNDS:-3}
PORT_OURS=$((${BENCH_PORT_BASE:-18300} + 40))
PORT_NGINX=$((PORT_OURS + 1))
PORT_BEFORE=$((PORT_OURS + 2))
need_tools upload.sh nginx taskset curl sha256sum
bench_scratch WORK upload
if [[ ${UPLOAD_TMPFS:-0} == 1 ]]; then
  mount -t tmpfs -o size=$((SIZE_MIB * 6 + 64))m tmpfs "$WORK"
  # Lazily: the servers still hold files open until bench_cleanup stops them.
  trap 'umount -l "$WORK" 2>/dev/null || true; bench_cleanup' EXIT
fi

mkdir -p "$WORK/ours" "$WORK/before" "$WORK/dav" "$WORK/nginx/logs"
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
serve() { # serve <checkout> <site> <port>: starts its cli.ts, adds it to pids
  (cd "$1" && exec taskset -c 0 deno run --allow-net=127.0.0.1 --allow-read="$2" \
    --allow-write="$2" cli.ts --upload --overwrite --max-upload-size 4G \
    -b 127.0.0.1 -d "$2" -p HTTP/1.1 "$3") >/dev/null 2>&1 &
  pids+=("$!")
}
serve "$ROOT" "$WORK/ours" "$PORT_OURS"
OURS=$!
ports=("$PORT_OURS" "$PORT_NGINX")
if [[ -n $BEFORE ]]; then
  serve "$BEFORE" "$WORK/before" "$PORT_BEFORE"
  THEIRS_BEFORE=$!
  ports+=("$PORT_BEFORE")
fi
for port in "${ports[@]}"; do
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
NGINX_WORKER=$(cat "/proc/$NGINX_MASTER/task/$NGINX_MASTER/children" | awk '{print $1}')

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system clock ticks, all threads
TICKS=$(getconf CLK_TCK)
upload() { # upload <form|put> <port> <pid> -> "MiB/s CPU-seconds"
  local out code speed cpu0
  local args=(-T "$WORK/source.bin" "http://127.0.0.1:$2/big.bin")
  [[ $1 == form ]] && args=(-F "files=@$WORK/source.bin;filename=big.bin" "http://127.0.0.1:$2/")
  cpu0=$(cpu "$3")
  out=$(taskset -c 1 curl -s -o /dev/null -w '%{http_code} %{speed_upload}' "${args[@]}")
  read -r code speed <<<"$out"
  [[ $code == 201 || $code == 204 ]] || { echo "upload.sh: port $2 answered $code" >&2; exit 1; }
  awk -v s="$speed" -v c=$(($(cpu "$3") - cpu0)) -v t="$TICKS" \
    'BEGIN { printf "%.0f MiB/s %.2f", s / 1048576, c / t }'
}
rss() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
peak() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
check() { # check <file> <who>
  [[ $(sha256sum <"$1") == "$WANT" ]] || { echo "upload.sh: $2 stored a different file" >&2; exit 1; }
}
servers=("$OURS")
[[ -n $BEFORE ]] && servers+=("$THEIRS_BEFORE")
for port in "$PORT_OURS" ${BEFORE:+"$PORT_BEFORE"}; do # loads the form modules before the idle figure
  curl -s -o /dev/null -F "files=@/dev/null;filename=warm.txt" "http://127.0.0.1:$port/"
done
sleep 0.5
echo "idle RSS: httpserver $(rss "$OURS") MiB${BEFORE:+, before $(rss "$THEIRS_BEFORE") MiB}," \
  "nginx worker $(rss "$NGINX_WORKER") MiB"

echo "Form upload (curl -F) of ${SIZE_MIB} MiB over loopback (MiB/s, server CPU s; servers on core 0)"
for round in $(seq "$ROUNDS"); do
  line="round $round: httpserver $(upload form "$PORT_OURS" "$OURS") s"
  [[ -n $BEFORE ]] && line+=", before $(upload form "$PORT_BEFORE" "$THEIRS_BEFORE") s"
  echo "$line"
  if [[ $round == 1 ]]; then
    check "$WORK/ours/big.bin" httpserver
    [[ -n $BEFORE ]] && check "$WORK/before/big.bin" before
  fi
done
echo "peak RSS after the form rounds: httpserver $(peak "$OURS") MiB${BEFORE:+, before $(peak "$THEIRS_BEFORE") MiB}"

echo "PUT (curl -T) of ${SIZE_MIB} MiB over loopback (MiB/s, server CPU s; servers on core 0)"
for round in $(seq "$ROUNDS"); do
  line="round $round: httpserver $(upload put "$PORT_OURS" "$OURS") s"
  [[ -n $BEFORE ]] && line+=", before $(upload put "$PORT_BEFORE" "$THEIRS_BEFORE") s"
  line+=", nginx dav $(upload put "$PORT_NGINX" "$NGINX_WORKER") s"
  echo "$line"
  if [[ $round == 1 ]]; then
    check "$WORK/ours/big.bin" httpserver
    [[ -n $BEFORE ]] && check "$WORK/before/big.bin" before
    check "$WORK/dav/big.bin" nginx
  fi
done
echo "peak RSS after the PUT rounds: httpserver $(peak "$OURS") MiB${BEFORE:+, before $(peak "$THEIRS_BEFORE") MiB}," \
  "nginx worker $(peak "$NGINX_WORKER") MiB"
