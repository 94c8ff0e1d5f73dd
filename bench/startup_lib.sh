# Shared by bench/status_bench.sh and bench/sync_now_bench.sh: sourced from
# the repository root after `set -euo pipefail`. Sets DENO and RUNS (both
# overridable from the environment), makes sure hyperfine is there, and
# gives `run`, the `deno` arguments mycel runs with: `run -A` and the V8
# flags the installed binary has built in (src/runtime_flags.ts). The empty
# script the benches compare against runs without them (the floor).

DENO="${DENO:-$PWD/node_modules/.bin/deno}"
RUNS="${RUNS:-30}"

if ! command -v hyperfine >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends hyperfine >/dev/null
  else
    echo "hyperfine is missing: apt-get install -y --no-install-recommends hyperfine" >&2
    exit 2
  fi
fi

run="run -A $("$DENO" eval --quiet 'import { V8_FLAGS_ARG } from "./src/runtime_flags.ts"; console.log(V8_FLAGS_ARG)')"

# The machine a run was taken on, printed before its figures.
machine_line() {
  "$DENO" --version | head -1
  echo "cores: $(nproc), $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mycel runs as: deno $run ..."
}
