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
 * Neither changes what the program does: only when code is compiled and when
 * the first collection runs.
 */

/** The flags, as V8 spells them. */
export const V8_FLAGS: readonly string[] = ["--no-lazy", "--min-semi-space-size=2"];

/** The one Deno argument that passes them. */
export const V8_FLAGS_ARG = `--v8-flags=${V8_FLAGS.join(",")}`;

/** `deno` arguments that run mycel's entry module `main` (main.ts or the bundle's main.js). */
export function denoRunArgs(main: string): string[] {
  return ["run", "-A", V8_FLAGS_ARG, main];
}
