/**
 * @module lazy_import
 * `import()` of a module Deno's graph builder does not follow. Before a
 * program runs, Deno walks every dynamic import written as a literal
 * (`await import("./x.ts")`) reachable from it, loading and parsing each
 * module it reaches, whether or not the run needs it: about 40 µs a module,
 * which for the whole of mycel was 13 ms on every command. A module imported
 * through {@link lazyImport} is loaded when, and only when, it is asked for.
 *
 *     const { f } = await lazyImport<typeof import("./x.ts")>(new URL("./x.ts", import.meta.url));
 *
 * The type argument keeps `deno check` checking the names used; the two
 * specifiers must agree (tests/lazy_import_test.ts reads every call), and
 * the bundle (scripts/bundle.ts), from which `deno compile` builds, turns
 * each call into a chunk of its own, loaded the same way.
 */

/** Import the module at `url` (made from a literal and `import.meta.url`). */
export function lazyImport<T>(url: URL): Promise<T> {
  return import(url.href);
}
