/**
 * @module runtime_flags
 * The V8 flags every mycel process runs with: baked into the compiled binary
 * (scripts/compile.ts), added to `deno run` when mycel runs from the sources
 * or the bundle (units, cron lines, children, benches, process tests).
 *
 * Why: a mycel command is a short-lived process whose run time is mostly
 * start-up, and two V8 defaults cost it more than its own work (measured on
 * `status`, docs/benchmarks.md):
 * - Lazy compilation: a function is compiled on its first call, and Deno's
 *   code cache holds only what was compiled when the module was loaded, so
 *   every run compiled again each function it called (about 6 ms of a 43 ms
 *   `status`). With `--no-lazy` the whole module is compiled at load, the
 *   code cache holds all of it, and later runs read it back instead.
 * - The young generation starts at 1 MiB per semi-space, and a command
 *   allocates a few MiB while loading, so it paid a scavenge of 1.5–4 ms
 *   before exiting. Starting at 2 MiB leaves it out; a long run (a folder
 *   sync) grows the young generation as before.
 * And one bound for long runs: the young generation may grow to 16 MiB per
 * semi-space, not V8's default. A folder's first sync allocates fast (a
 * chunk's messages, its rows) and the young generation grew to about 40 MiB
 * more than this bound leaves, which put the fetching side's peak RSS over
 * the 200 MB target (183–192 MiB against 160–167 MiB with the bound, with
 * the same CPU time within the noise: docs/benchmarks.md, 2026-12-07).
 * None of these changes what the program does: only when code is compiled
 * and when collections run.
 */

/** The flags, as V8 spells them. */
export const V8_FLAGS: readonly string[] = [
  "--no-lazy",
  "--min-semi-space-size=2",
  "--max-semi-space-size=16",
];

/** The one Deno argument that passes them. */
export const V8_FLAGS_ARG = `--v8-flags=${V8_FLAGS.join(",")}`;

/** `deno` arguments that run mycel's entry module `main` (main.ts or the bundle's main.js). */
export function denoRunArgs(main: string): string[] {
  return ["run", "-A", V8_FLAGS_ARG, main];
}
