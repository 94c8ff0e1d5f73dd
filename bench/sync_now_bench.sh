#!/usr/bin/env bash
# Whole-process cost of `mycel sync now` when there is nothing new, on
# loopback: `deno run -A main.ts sync now` from a home with one peer, and
# from a home with two peers (dialled in parallel), each peer answering with
# `mycel sync serve --listen` in the background. Next to it, `deno run -A`
# of an empty script (the floor any Deno program pays). Target: `sync now`
# with one peer ≤ 120 ms (median). `sync now` is timed from the sources
# (`main.ts`) and from the bundle (scripts/bundle.ts, what `deno compile`
# builds the installed binary from); the target is judged on the bundle.
#
#     bench/sync_now_bench.sh            # from the repository root
#     RUNS=50 bench/sync_now_bench.sh    # more runs
#
# Needs hyperfine (installed with apt-get when missing and running as root).
# Prints hyperfine's report, medians and means, and exits 1 if the bundle's
# one-peer median is over the target. Uses temporary homes and free ports; the servers are
# stopped by PID and everything is removed on exit.

set -euo pipefail

cd "$(dirname "$0")/.."
TARGET_MS="${TARGET_MS:-120}"

# shellcheck source=bench/startup_lib.sh
. bench/startup_lib.sh

work="$(mktemp -d "${TMPDIR:-/tmp}/mycel-sync-bench-XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
: >"$work/empty.ts"
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1

mycel() { "$DENO" $run main.ts "$@"; }
free_port() {
  "$DENO" eval --quiet 'const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(l.addr.port); l.close();'
}

# Two meshes: `one` with one peer (`two`); `four` with two peers (`three`, `five`).
declare -A port
for d in one two three four five; do
  port[$d]="$(free_port)"
  mycel --home "$work/$d" init --name "$d" --listen "127.0.0.1:${port[$d]}" >/dev/null
done
peer() {
  mycel --home "$work/$1" --no-sync mesh add-peer "$(mycel --home "$work/$2" mesh card)" >/dev/null
  mycel --home "$work/$2" --no-sync mesh add-peer "$(mycel --home "$work/$1" mesh card)" >/dev/null
}
peer one two
peer four three
peer four five
for d in one two three four five; do
  mycel --home "$work/$d" --no-sync pref set "from.$d" "a few entries" >/dev/null
  mycel --home "$work/$d" --no-sync config set "editor.$d" 1 >/dev/null
done
for d in two three five; do
  # Not through the `mycel` function: $! must be deno's own PID.
  "$DENO" $run main.ts --home "$work/$d" sync serve --listen "127.0.0.1:${port[$d]}" \
    2>"$work/$d.log" &
  pids+=("$!")
done
for d in two three five; do
  for _ in $(seq 100); do grep -q "listening on" "$work/$d.log" && break; sleep 0.05; done
done
# Bring everything up to date (twice: entries relayed by `four`), so measured rounds move nothing.
for _ in 1 2; do
  for d in one four; do mycel --home "$work/$d" sync now >/dev/null; done
done
mycel --home "$work/one" sync now
mycel --home "$work/four" sync now

# The bundled form (scripts/bundle.ts): what `deno compile` and an install build from.
"$DENO" run -A scripts/bundle.ts --out "$work/bundle" >/dev/null

machine_line

hyperfine --shell=none --warmup 5 --runs "$RUNS" \
  --export-json "$work/result.json" \
  --command-name "deno run -A empty.ts" "$DENO run -A $work/empty.ts" \
  --command-name "sync now (one peer)" "$DENO $run main.ts --home $work/one sync now" \
  --command-name "sync now (two peers)" "$DENO $run main.ts --home $work/four sync now" \
  --command-name "bundle: sync now (one peer)" "$DENO $run $work/bundle/main.js --home $work/one sync now" \
  --command-name "bundle: sync now (two peers)" "$DENO $run $work/bundle/main.js --home $work/four sync now" \
  --command-name "bundle, no V8 flags: one peer" "$DENO run -A $work/bundle/main.js --home $work/one sync now"

"$DENO" eval --quiet "
const r = JSON.parse(Deno.readTextFileSync('$work/result.json')).results;
const row = (name) => r.find((x) => x.command === name);
const ms = (x) => (x * 1000).toFixed(1);
for (const x of r) {
  const n = x.command;
  console.log(n.padEnd(30) + ' median ' + ms(x.median) + ' ms, mean ' + ms(x.mean) + ' ms ± ' +
    ms(x.stddev) + ', min ' + ms(x.min) + ' ms');
}
const one = row('bundle: sync now (one peer)').median * 1000;
console.log('load average after: ' + Deno.loadavg().map((l) => l.toFixed(2)).join(' '));
console.log('bundle: sync now (one peer) median ' + one.toFixed(1) + ' ms, target <= $TARGET_MS ms' +
  ' (the bundle: what the installed binary is built from)');
if (one > $TARGET_MS) Deno.exit(1);
"
