/**
 * @module lazy_modules
 * Every module mycel loads through `lazyImport` (src/lazy_import.ts), found
 * by reading the sources: the bundle (scripts/bundle.ts) makes a chunk of
 * each, since no module graph can see them, and each call must name one
 * module twice, in the type argument and in the URL, which this checks.
 */

/** One `lazyImport` call. */
export interface LazyCall {
  /** The calling file, relative to the repository root. */
  file: string;
  /** The specifier in `typeof import("…")`. */
  typeSpecifier: string;
  /** The specifier in `new URL("…", import.meta.url)`. */
  urlSpecifier: string;
  /** The imported module, relative to the repository root. */
  target: string;
}

/** A `lazyImport` call up to its URL's closing parenthesis (deno fmt's trailing comma allowed). */
export const CALL =
  /lazyImport<\s*typeof import\(\s*"([^"]+)"\s*\)\s*>\(\s*new URL\(\s*"([^"]+)"\s*,\s*import\.meta\.url\s*,?\s*\)/g;

/**
 * Each TypeScript file in `paths` (files, or folders searched whole) of
 * `root`, with its comment lines left out (a doc comment may show a call).
 */
async function* sources(
  root: URL,
  paths: readonly string[],
): AsyncGenerator<{ path: string; url: URL; text: string }> {
  async function* visit(path: string): AsyncGenerator<{ path: string; url: URL; text: string }> {
    const url = new URL(path, root);
    if ((await Deno.stat(url)).isDirectory) {
      for await (const e of Deno.readDir(url)) yield* visit(`${path}/${e.name}`);
      return;
    }
    if (!path.endsWith(".ts")) return;
    const text = (await Deno.readTextFile(url)).split("\n")
      .filter((l) => !/^\s*(\*|\/\/)/.test(l)).join("\n");
    yield { path, url, text };
  }
  for (const p of paths) yield* visit(p);
}

/** Every `lazyImport(...)` call in `paths` (files, or folders searched whole) of `root`. */
export async function lazyCalls(
  root: URL,
  paths: readonly string[] = ["main.ts", "src"],
): Promise<LazyCall[]> {
  const calls: LazyCall[] = [];
  for await (const { path, url, text } of sources(root, paths)) {
    for (const m of text.matchAll(CALL)) {
      const target = new URL(m[2], url).pathname.slice(root.pathname.length);
      calls.push({ file: path, typeSpecifier: m[1], urlSpecifier: m[2], target });
    }
  }
  return calls.sort((a, b) => a.file.localeCompare(b.file) || a.target.localeCompare(b.target));
}

/** A worker started from a module URL, up to that URL's closing parenthesis. */
export const WORKER = /new Worker\(\s*new URL\(\s*"([^"]+)"\s*,\s*import\.meta\.url\s*,?\s*\)/g;

/**
 * Every worker entry module started as `new Worker(new URL("…",
 * import.meta.url)…)` in `paths` of `root` (relative to the root, sorted):
 * like a lazy import, invisible to a module graph; the bundle builds each
 * on its own.
 */
export async function workerModules(
  root: URL,
  paths: readonly string[] = ["main.ts", "src"],
): Promise<string[]> {
  const out = new Set<string>();
  for await (const { url, text } of sources(root, paths)) {
    for (const m of text.matchAll(WORKER)) {
      out.add(new URL(m[1], url).pathname.slice(root.pathname.length));
    }
  }
  return [...out].sort();
}
