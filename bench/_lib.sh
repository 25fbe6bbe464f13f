# Shared by the side-by-side bench scripts (source it): the tool check, a scratch directory
# whose servers are stopped and which is removed however the script ends, CPU time by pid, medians.

# need_tools SCRIPT TOOL...: exits 1 with one line naming the first tool that is missing.
need_tools() {
  local script=$1
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$script: $tool is not installed" >&2; exit 1; }
  done
}

# bench_scratch VAR NAME [GRACE]: makes /tmp/httpserver-NAME-XXXXXX, stores its path in VAR,
# empties `pids`, and on exit sends TERM to every pid in `pids`, KILL after GRACE seconds
# (default 0.3), then removes the directory. Ctrl-C exits 130 through the same cleanup.
bench_scratch() {
  BENCH_SCRATCH=$(mktemp -d "/tmp/httpserver-$2-XXXXXX")
  BENCH_GRACE=${3:-0.3}
  printf -v "$1" '%s' "$BENCH_SCRATCH"
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep "$BENCH_GRACE"
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$BENCH_SCRATCH"
}

# process_cpu_ticks <pid>: user + system clock ticks of the process and its children (nginx's
# worker, --workers children), from /proc; 0 for a process that is gone.
process_cpu_ticks() {
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# median VALUE...: the middle value (the lower of the two middles for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
