#!/usr/bin/env bash
# Benchmarks (issues 2 and 3): starts every server on its own loopback port, warms each target
# up, runs wrk for a fixed time per target, reads each server's peak RSS (VmHWM), stops
# everything, and writes a markdown report to bench/results/<date>.md and stdout.
#
#   bash bench/run.sh            (or: deno task bench)
#
# Settings (environment):
#   BENCH_DURATION=10      seconds of wrk per target
#   BENCH_WARMUP=2         seconds of wrk warm-up per target (not measured)
#   BENCH_CONNECTIONS=50   wrk -c
#   BENCH_THREADS=2        wrk -t
#   BENCH_PORT_BASE=18300  ports BASE+1 ... BASE+8, BASE+10, BASE+11 are used (127.0.0.1 only)
#   BENCH_ONLY=regex       run only the targets whose id matches (e.g. '^base_')
#   BENCH_PYTHON=path      CPython 3.13 (default: pyenv's 3.13.0)
#   BENCH_OUT=path         report file (default: bench/results/<date>.md)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
PORT_BASE=${BENCH_PORT_BASE:-18300}
ONLY=${BENCH_ONLY:-.}
STAMP=$(date +%Y-%m-%dT%H%M%S)
OUT=${BENCH_OUT:-$ROOT/bench/results/$STAMP.md}

PYTHON=${BENCH_PYTHON:-/root/.pyenv/versions/3.13.0/bin/python3}
if [[ ! -x $PYTHON ]]; then
  PYTHON=$(PYENV_VERSION=3.13.0 pyenv which python3 2>/dev/null || true)
fi
if [[ -z $PYTHON || ! -x $PYTHON ]]; then
  echo "run.sh: CPython 3.13 not found (set BENCH_PYTHON)" >&2
  exit 1
fi
case "$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
  3.13) ;;
  *) echo "run.sh: $PYTHON is not CPython 3.13" >&2; exit 1 ;;
esac
command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WORK=$ROOT/bench/results/tmp/$STAMP
TREE=$WORK/tree
mkdir -p "$WORK" "$(dirname "$OUT")"

declare -A PID=() PORT=() LABEL=()
ORDER=()

cleanup() {
  local pid
  for pid in "${PID[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 30); do
    local alive=0
    for pid in "${PID[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for pid in "${PID[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$TREE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start <server-id> <label> <port> <command...>: runs the server in the background (its log
# goes to $WORK/<id>.log; request logs of the CLIs are large, so those go to /dev/null).
start() {
  local id=$1 label=$2 port=$3
  shift 3
  local log=$WORK/$id.log
  [[ $id == *_cli || $id == *_cli_* ]] && log=/dev/null
  "$@" >"$WORK/$id.out" 2>"$log" &
  PID[$id]=$!
  PORT[$id]=$port
  LABEL[$id]=$label
  ORDER+=("$id")
}

wait_ready() {
  local id=$1 url=$2
  for _ in $(seq 200); do
    if curl -s -o /dev/null --max-time 1 "$url"; then return 0; fi
    kill -0 "${PID[$id]}" 2>/dev/null || { echo "run.sh: $id exited; see $WORK/$id.*" >&2; return 1; }
    sleep 0.1
  done
  echo "run.sh: $id did not answer at $url within 20 s" >&2
  return 1
}

echo "== generating the tree in $TREE"
deno run --allow-write="$TREE" bench/make_tree.ts "$TREE" >/dev/null

echo "== starting servers"
P=$PORT_BASE
# Ours run as the README's commands do (V8 defaults); the *_lowmem twins add V8 settings that
# trade some speed for memory (a small young generation, GC on the main thread), for the record.
LOWMEM_V8_FLAGS=--v8-flags=--max-semi-space-size=1,--single-threaded-gc
start ours_base "httpserver BaseHTTPRequestHandler" $((P + 1)) \
  deno run --allow-net=127.0.0.1 bench/base_handler.ts $((P + 1))
start python_base "CPython 3.13 BaseHTTPRequestHandler" $((P + 2)) \
  "$PYTHON" bench/python_base_handler.py $((P + 2))
start python_base_tuned "CPython 3.13 BaseHTTPRequestHandler, Nagle off" $((P + 3)) \
  "$PYTHON" bench/python_base_handler.py $((P + 3)) --tuned
start deno_serve "Deno.serve hello" $((P + 4)) \
  deno run --allow-net=127.0.0.1 bench/deno_serve.ts $((P + 4))
start raw_loop "raw Deno.listen loop" $((P + 5)) \
  deno run --allow-net=127.0.0.1 bench/raw_loop.ts $((P + 5))
start ours_cli "httpserver cli.ts -p HTTP/1.1" $((P + 6)) \
  deno run --allow-net=127.0.0.1 --allow-read="$TREE" cli.ts -b 127.0.0.1 -d "$TREE" \
  -p HTTP/1.1 $((P + 6))
start python_cli "CPython 3.13 -m http.server -p HTTP/1.1" $((P + 7)) \
  "$PYTHON" -m http.server -b 127.0.0.1 -d "$TREE" -p HTTP/1.1 $((P + 7))
start serve_dir "Deno.serve + serveDir (deno-std 1.4.0)" $((P + 8)) \
  deno run --allow-net=127.0.0.1 --allow-read --allow-write bench/serve_dir.ts $((P + 8)) "$TREE"

start ours_base_lowmem "httpserver BaseHTTPRequestHandler, low-memory V8 flags" $((P + 10)) \
  deno run "$LOWMEM_V8_FLAGS" --allow-net=127.0.0.1 bench/base_handler.ts $((P + 10))
start ours_cli_lowmem "httpserver cli.ts -p HTTP/1.1, low-memory V8 flags" $((P + 11)) \
  deno run "$LOWMEM_V8_FLAGS" --allow-net=127.0.0.1 --allow-read="$TREE" cli.ts -b 127.0.0.1 \
  -d "$TREE" -p HTTP/1.1 $((P + 11))

for id in "${ORDER[@]}"; do wait_ready "$id" "http://127.0.0.1:${PORT[$id]}/"; done

# Targets: id, server id, path. Comparisons sit next to each other, so drift during the run
# touches both sides of a ratio alike.
TARGETS=(
  "base_ours ours_base /"
  "base_deno_serve deno_serve /"
  "base_raw_loop raw_loop /"
  "base_python python_base /"
  "base_python_tuned python_base_tuned /"
  "base_ours_lowmem ours_base_lowmem /"
  "small_ours ours_cli /small.txt"
  "small_serve_dir serve_dir /small.txt"
  "small_python python_cli /small.txt"
  "big_ours ours_cli /big.bin"
  "big_serve_dir serve_dir /big.bin"
  "big_python python_cli /big.bin"
  "list_ours ours_cli /dir/"
  "list_serve_dir serve_dir /dir/"
  "list_python python_cli /dir/"
  "small_ours_lowmem ours_cli_lowmem /small.txt"
  "big_ours_lowmem ours_cli_lowmem /big.bin"
  "list_ours_lowmem ours_cli_lowmem /dir/"
)

{
  printf 'date\t%s\n' "$STAMP"
  printf 'duration\t%s\n' "$DURATION"
  printf 'warmup\t%s\n' "$WARMUP"
  printf 'wrk_args\t-t%s -c%s -d%ss\n' "$THREADS" "$CONNECTIONS" "$DURATION"
  printf 'machine\t%s cores, %s\n' "$(nproc)" "$(uname -sr)"
  printf 'deno\t%s\n' "$(deno --version | head -1)"
  printf 'python\t%s\n' "$("$PYTHON" --version 2>&1)"
  printf 'wrk\t%s\n' "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  printf 'load_before\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'code\t%s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo '?') + $(git status --porcelain 2>/dev/null | grep -vc '^?? bench/' || true) changed/untracked files outside bench/"
} >"$WORK/meta.tsv"
: >"$WORK/targets.tsv"

for target in "${TARGETS[@]}"; do
  read -r id server path <<<"$target"
  [[ $id =~ $ONLY ]] || continue
  url="http://127.0.0.1:${PORT[$server]}$path"
  # What answered: status, size, Server header (checks e.g. that Python is 3.13).
  check=$(curl -s -o /dev/null -D "$WORK/$id.head" --max-time 10 \
    -w '%{http_code} %{size_download} B' "$url" || echo "curl failed")
  srv=$(grep -i '^server:' "$WORK/$id.head" | cut -d' ' -f2- | tr -d '\r' || true)
  printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$server" "${LABEL[$server]}" "$url" \
    "$check${srv:+, Server: $srv}" >>"$WORK/targets.tsv"
  echo "== $id: $url ($check)"
  timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s \
    "$url" >/dev/null 2>&1 || true
  timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
    "$url" >"$WORK/$id.wrk" 2>&1 || true
  grep -E 'Requests/sec|Transfer/sec|Non-2xx|Socket errors' "$WORK/$id.wrk" | sed 's/^/   /'
done

: >"$WORK/rss.tsv"
for id in "${ORDER[@]}"; do
  status=/proc/${PID[$id]}/status
  if [[ -r $status ]]; then
    hwm=$(awk '/^VmHWM:/ { print $2 }' "$status")
    rss=$(awk '/^VmRSS:/ { print $2 }' "$status")
    printf '%s\t%s\t%s\t%s\t%s\n' "$id" "${LABEL[$id]}" "${PID[$id]}" "$hwm" "$rss" \
      >>"$WORK/rss.tsv"
  fi
done

deno run --allow-read="$WORK" bench/report.ts "$WORK" | tee "$OUT"
echo "report written to ${OUT#"$ROOT"/}; raw wrk output in ${WORK#"$ROOT"/}"
