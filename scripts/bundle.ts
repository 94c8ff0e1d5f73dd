/**
 * @module bundle
 * `deno task bundle [--out DIR]`: mycel as a few plain JavaScript files in
 * `dist/bundle/` (default): `main.js`, one chunk per set of modules loaded
 * lazily, and one file per worker. Run it with `deno run -A dist/bundle/main.js`.
 *
 * Why: Deno pays per TypeScript module on every start (reading the source,
 * checking its cached emit, compiling), about 0.2 ms a module; `status`
 * loads about 75 of them and `sync now` over 200. One bundled file is read
 * and compiled once (docs/benchmarks.md has the figures). `deno compile`
 * builds from the same bundle (scripts/compile.ts).
 *
 * How: the sources are copied to a staging folder with every
 * `lazyImport<typeof import("X")>(new URL("X", import.meta.url))` turned into
 * a plain `import("X")` (any other form of call stops the build), so the bundler sees each lazy module and gives it a
 * chunk of its own; `deno bundle --code-splitting` bundles that; each
 * `import("./chunk.js")` in its output is turned back into
 * `import(new URL("./chunk.js", import.meta.url).href)`, which Deno loads only
 * when the line runs (a literal one it would load ahead of every run,
 * lazy_import.ts says why). Workers are bundled on their own, next to the
 * chunks, as the URLs in the staged sources name them. Every chunk sits in
 * the output folder itself, so `import.meta.url` of any of them is the
 * folder's.
 */

import { workerModules } from "./lazy_modules.ts";

const ROOT = new URL("../", import.meta.url);

/** A lazy import as written in the sources, with the specifier it names. */
const LAZY =
  /lazyImport<\s*typeof import\(\s*"([^"]+)"\s*\)\s*>\(\s*new URL\(\s*"([^"]+)"\s*,\s*import\.meta\.url\s*\),?\s*\)/g;
/** A worker entry as written in the sources. */
const WORKER_URL = /new Worker\(\s*new URL\(\s*"([^"]+)"\s*,\s*import\.meta\.url\s*\)/g;
/** Where the running code finds main.ts (src/cli/self_command.ts). */
const MAIN_URL = /new URL\(\s*"(?:\.\.\/)+main\.ts"\s*,\s*import\.meta\.url\s*\)/g;
/** A literal dynamic import of a chunk in the bundler's output. */
const CHUNK_IMPORT = /\bimport\(\s*"(\.\/[^"/]+\.js)"\s*\)/g;

/** The name a worker's bundle gets in the output folder. */
export function workerFile(module: string): string {
  return module.slice(module.lastIndexOf("/") + 1).replace(/\.ts$/, ".js");
}

/**
 * One staged source: lazy imports made literal, worker and main URLs pointed
 * at the files the bundle has.
 */
export function stageSource(text: string): string {
  const out = text
    .replace(LAZY, (_all, typeSpec: string, urlSpec: string) => {
      if (typeSpec !== urlSpec) {
        throw new Error(`lazyImport names two modules: ${typeSpec}, ${urlSpec}`);
      }
      return `import(${JSON.stringify(urlSpec)})`;
    })
    .replace(
      WORKER_URL,
      (_all, spec: string) => `new Worker(new URL("./${workerFile(spec)}", import.meta.url)`,
    )
    .replace(MAIN_URL, `new URL("./main.js", import.meta.url)`);
  const left = out.split("\n").find((l) => !/^\s*(\/?\*|\/\/)/.test(l) && /lazyImport</.test(l));
  if (left !== undefined && !/export function lazyImport<T>/.test(left)) {
    throw new Error(`a lazy import not in the form the bundle knows: ${left.trim()}`);
  }
  return out;
}

/** The bundler's output made lazy again (see the module comment). */
export function unliteralChunks(js: string): string {
  return js.replace(
    CHUNK_IMPORT,
    (_all, spec: string) => `import(new URL(${JSON.stringify(spec)}, import.meta.url).href)`,
  );
}

async function copyTree(from: URL, to: URL, onFile: (rel: string, text: string) => string) {
  async function visit(rel: string) {
    const src = new URL(rel, from);
    const info = await Deno.stat(src);
    if (info.isDirectory) {
      await Deno.mkdir(new URL(rel, to), { recursive: true });
      for await (const e of Deno.readDir(src)) await visit(`${rel}/${e.name}`);
      return;
    }
    if (!rel.endsWith(".ts") || rel.endsWith("_test.ts")) return;
    await Deno.writeTextFile(new URL(rel, to), onFile(rel, await Deno.readTextFile(src)));
  }
  await visit("src");
  await Deno.writeTextFile(
    new URL("main.ts", to),
    onFile("main.ts", await Deno.readTextFile(new URL("main.ts", from))),
  );
  for (const f of ["deno.json", "package.json"]) {
    await Deno.copyFile(new URL(f, from), new URL(f, to));
  }
  await Deno.symlink(new URL("node_modules", from).pathname, new URL("node_modules", to).pathname);
}

async function denoBundle(cwd: URL, args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", ...args],
    cwd: cwd.pathname,
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/**
 * Empty `out` for a new bundle: only a folder holding nothing but `.js`
 * files (an earlier bundle) is emptied; anything else there stops the build,
 * so a mistyped `--out` never deletes a folder of other files.
 */
async function clearOutput(out: URL): Promise<void> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(out)) {
      if (!e.isFile || !e.name.endsWith(".js")) {
        throw new Error(
          `${out.pathname} holds ${e.name}, which is not from a bundle: give an empty or new folder`,
        );
      }
      names.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const n of names) await Deno.remove(new URL(n, out));
}

/** Build the bundle into `out` (an earlier bundle there is replaced). Returns the files written, relative to `out`. */
export async function bundle(out: URL, root: URL = ROOT): Promise<string[]> {
  const stage = new URL(`file://${await Deno.makeTempDir({ prefix: "mycel-bundle-" })}/`);
  try {
    await copyTree(root, stage, (_rel, text) => stageSource(text));
    await clearOutput(out);
    await denoBundle(stage, [
      "--code-splitting",
      "--format",
      "esm",
      "--outdir",
      out.pathname,
      "main.ts",
    ]);
    for (const w of await workerModules(root)) {
      await denoBundle(stage, ["--format", "esm", "-o", new URL(workerFile(w), out).pathname, w]);
    }
    const files: string[] = [];
    for await (const e of Deno.readDir(out)) {
      if (!e.isFile || !e.name.endsWith(".js")) throw new Error(`unexpected output: ${e.name}`);
      const path = new URL(e.name, out);
      await Deno.writeTextFile(path, unliteralChunks(await Deno.readTextFile(path)));
      files.push(e.name);
    }
    return files.sort();
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

const USAGE = "usage: deno task bundle [--out DIR]   (default dist/bundle/)";

if (import.meta.main) {
  const args = [...Deno.args];
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  let outPath = new URL("dist/bundle/", ROOT).pathname;
  if (args[0] === "--out" && args.length === 2 && args[1] !== "") outPath = args[1];
  else if (args.length > 0) {
    console.error(`bundle: unexpected arguments: ${args.join(" ")}\n${USAGE}`);
    Deno.exit(2);
  }
  const cwd = new URL(`file://${await Deno.realPath(".")}/`);
  const dir = new URL(outPath.endsWith("/") ? outPath : `${outPath}/`, cwd);
  try {
    const files = await bundle(dir);
    let bytes = 0;
    for (const f of files) bytes += (await Deno.stat(new URL(f, dir))).size;
    console.log(
      `${dir.pathname}: ${files.length} files, ${
        (bytes / 1024).toFixed(0)
      } kB (run: deno run -A ${dir.pathname}main.js)`,
    );
  } catch (e) {
    console.error(`bundle: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
