#!/usr/bin/env bash
# Start-up cost of a mycel command: `deno run -A main.ts status` on a home
# with a few entries, next to `deno run -A` of an empty script (the floor any
# Deno program pays). Target: status ≤ 2.5 × the empty script. Each command
# is timed twice: from the sources (`main.ts`, one module file per source
# file) and from the bundle (scripts/bundle.ts: a few plain JavaScript files,
# what `deno compile` builds the installed binary from); the target is judged
# on the bundle, both ratios are printed.
#
#     bench/status_bench.sh            # from the repository root
#     RUNS=50 bench/status_bench.sh    # more runs
#     STATUS_HOME=DIR bench/status_bench.sh   # a copy of the home at DIR instead
#                                             # (e.g. one made by bench/make_home.ts)
#
# Needs hyperfine (installed with apt-get when missing and running as root).
# Prints hyperfine's report and the ratios of medians (robust on a shared
# machine; means and minimums are printed too), and exits 1 if the bundle's is
# over the target. Uses a temporary home, removed on exit.

set -euo pipefail

cd "$(dirname "$0")/.."
TARGET="${TARGET:-2.5}"

# shellcheck source=bench/startup_lib.sh
. bench/startup_lib.sh

work="$(mktemp -d "${TMPDIR:-/tmp}/mycel-status-bench-XXXXXX")"
trap 'rm -rf "$work"' EXIT
home="$work/home"
: >"$work/empty.ts"
export NO_COLOR=1 MYCEL_OFFLINE=1 DENO_NO_UPDATE_CHECK=1

export MYCEL_NO_PUSH=1
if [ -n "${STATUS_HOME:-}" ]; then
  # A copy: `pref set` below writes.
  mkdir -m 700 "$home"
  cp "$STATUS_HOME"/mycel.db "$STATUS_HOME"/keys.cbor "$home"/
  chmod 600 "$home"/*
else
  # A home with a few entries of each kind.
  "$DENO" run -A main.ts --home "$home" init --name bench >/dev/null
  for i in 1 2 3 4 5; do
    "$DENO" run -A main.ts --home "$home" pref set "key$i" "value $i" >/dev/null
  done
  "$DENO" run -A main.ts --home "$home" config set editor.font.size 12 >/dev/null
  "$DENO" run -A main.ts --home "$home" app add firefox ripgrep >/dev/null
  "$DENO" run -A main.ts --home "$home" pattern add '{"id":"greet","text":"hi"}' >/dev/null
fi
echo "home: ${STATUS_HOME:-a new one with a few entries}, $("$DENO" run -A main.ts --home "$home" status --json | "$DENO" eval --quiet 'console.log(JSON.parse(await new Response(Deno.stdin.readable).text()).log.entries)') entries"

# The bundled form (scripts/bundle.ts), which `deno compile` builds the installed binary from.
"$DENO" run -A scripts/bundle.ts --out "$work/bundle" >/dev/null

machine_line

hyperfine --shell=none --warmup 5 --runs "$RUNS" \
  --export-json "$work/result.json" \
  --command-name "deno run -A empty.ts" "$DENO run -A $work/empty.ts" \
  --command-name "empty.ts, V8 flags" "$DENO $run $work/empty.ts" \
  --command-name "mycel status" "$DENO $run main.ts --home $home status" \
  --command-name "mycel status --json" "$DENO $run main.ts --home $home status --json" \
  --command-name "mycel pref set" "$DENO $run main.ts --home $home --no-sync pref set bench x" \
  --command-name "bundle: status" "$DENO $run $work/bundle/main.js --home $home status" \
  --command-name "bundle: status --json" "$DENO $run $work/bundle/main.js --home $home status --json" \
  --command-name "bundle: pref set" "$DENO $run $work/bundle/main.js --home $home --no-sync pref set bench y" \
  --command-name "bundle, no V8 flags: status" "$DENO run -A $work/bundle/main.js --home $home status"

"$DENO" eval --quiet "
const r = JSON.parse(Deno.readTextFileSync('$work/result.json')).results;
const row = (name) => r.find((x) => x.command === name);
const ms = (x) => (x * 1000).toFixed(1);
for (const x of r) {
  console.log(x.command.padEnd(22) + ' mean ' + ms(x.mean) + ' ms, median ' + ms(x.median) +
    ' ms, min ' + ms(x.min) + ' ms');
}
const empty = row('deno run -A empty.ts');
console.log('load average after: ' + Deno.loadavg().map((l) => l.toFixed(2)).join(' '));
let ratio = 0;
for (const [name, form] of [['mycel status', 'sources'], ['bundle: status', 'bundle']]) {
  const status = row(name);
  ratio = status.median / empty.median;
  console.log('ratio status / empty, ' + form + ' (medians) = ' + ratio.toFixed(2) + ', (means) = ' +
    (status.mean / empty.mean).toFixed(2) + ', (mins) = ' + (status.min / empty.min).toFixed(2));
}
console.log('target <= $TARGET for the bundle, what the installed binary is built from (medians)');
if (ratio > $TARGET) Deno.exit(1);
"
