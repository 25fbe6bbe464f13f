#!/usr/bin/env bash
# Start-up in instructions (issue #17): the steady figure on a shared machine, where wall and
# even CPU times of a 100 ms start move by tens of percent. Counts every instruction the Deno
# process executes in user space (all threads, valgrind's callgrind; kernel time not counted)
#   start:   from the spawn to the first 200 of `GET /small.txt HTTP/1.0` (and the stop after it);
#   request: one request alone, counters zeroed while the server idles after a first connection
#            (for ours that connection built a handler and read nothing), dumped after its 200:
#            what the first request itself costs, first-call compiles included;
#   warm:    the same after one request already answered.
# for each checkout's cli.ts and for the five-line Deno.serve hello (bench/deno_serve.ts).
# Each start runs about 15 s under valgrind.
#
#   bash bench/startup_instructions.sh CHECKOUT... (default: this checkout; a file instead of a
#   checkout is run as the entry point itself, e.g. a bundle of cli.ts)
#   STARTUP_REPEAT=2  STARTUP_PORT=18640
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repeat="${STARTUP_REPEAT:-2}"
port="${STARTUP_PORT:-18640}"
checkouts=("$@")
[ ${#checkouts[@]} -gt 0 ] || checkouts=("$(cd "$here/.." && pwd)")
command -v valgrind >/dev/null || { echo "needs valgrind (callgrind)" >&2; exit 1; }
tree="$(mktemp -d)"
out="$(mktemp -d)"
trap 'rm -rf "$tree" "$out"' EXIT
head -c 1024 /dev/zero | tr '\0' x >"$tree/small.txt"

# Connects until the port accepts; with "get", sends the request and waits for its status line.
client() {
  python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
# A server that failed to start must not hold the run forever (valgrind starts take ~15 s).
deadline = time.monotonic() + 120
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("no server on port %d after 120 s" % port)
        time.sleep(0.005)
s.settimeout(120)
if mode == "get":
    s.sendall(b"GET /small.txt HTTP/1.0\r\n\r\n")
    status = s.recv(100)[:15]
    assert status == b"HTTP/1.0 200 OK", status
s.close()
PY
}

# entry CONTENDER: a checkout's cli.ts, or the contender itself when it names a file (a bundle).
entry() {
  if [ -f "$1" ]; then echo "$1"; else echo "$1/cli.ts"; fi
}

# server_args NAME PORT: the command line of a contender.
server_args() {
  if [ "$1" = hello ]; then
    echo "$here/deno_serve.ts $2"
  else
    echo "$(entry "$1") -b 127.0.0.1 -d $tree $2"
  fi
}

# measure NAME MODE PORT: prints the instruction count of one run.
measure() {
  local name="$1" mode="$2" p="$3"
  # shellcheck disable=SC2046
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" \
    deno run -A $(server_args "$name" "$p") >/dev/null 2>"$out/valgrind.err" &
  local pid=$!
  if [ "$mode" = start ]; then
    client "$p" get
  else
    client "$p" connect
    [ "$mode" = warm ] && client "$p" get
    sleep 2
    callgrind_control -z "$pid" >/dev/null 2>&1
    client "$p" get
    sleep 0.5
    callgrind_control -d "$pid" >/dev/null 2>&1
    sleep 0.5
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  # The run's own file at the exit; the dump of callgrind_control -d is the first numbered one.
  local file="$out/cg.$pid"
  [ "$mode" = start ] || file="$out/cg.$pid.1"
  awk '/^totals:/ { print $2 }' "$file"
  rm -f "$out"/cg."$pid"*
}

deno run -A "$here/deno_serve.ts" "$port" >/dev/null 2>&1 &
warm_pid=$!
client "$port" get
kill "$warm_pid"
wait "$warm_pid" 2>/dev/null || true
for checkout in "${checkouts[@]}"; do deno run -A "$(entry "$checkout")" --help >/dev/null; done

printf '%-34s %14s %14s %14s\n' "instructions (median of $repeat)" start request warm
for name in hello "${checkouts[@]}"; do
  row=()
  for mode in start request warm; do
    runs=()
    for _ in $(seq "$repeat"); do
      port=$((port + 1))
      runs+=("$(measure "$name" "$mode" "$port")")
    done
    row+=("$(printf '%s\n' "${runs[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')")
  done
  printf '%-34s %14s %14s %14s\n' "$(basename "$name")" "${row[@]}"
done
