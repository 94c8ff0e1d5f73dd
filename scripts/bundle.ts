/**
 * @module bundle
 * `deno task bundle [--out DIR]`: mycel as a few plain JavaScript files in
 * `dist/bundle/` (default): `main.js`, one chunk per set of modules loaded
 * lazily, and one file per worker. Run it with
 * `deno run -A --v8-flags=… dist/bundle/main.js` (src/runtime_flags.ts).
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

import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CALL, WORKER, workerModules } from "./lazy_modules.ts";
import { denoRunArgs } from "../src/runtime_flags.ts";

/** The repository root, as a path (paths, not URLs, throughout: a space stays a space). */
const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/+$/, "");

/** A lazy import as written in the sources, the call's own closing parenthesis included. */
const LAZY = new RegExp(`${CALL.source},?\\s*\\)`, "g");
/** A worker entry as written in the sources. */
const WORKER_URL = new RegExp(WORKER.source, "g");
/** Where the running code finds main.ts (src/cli/self_command.ts). */
const MAIN_URL = /new URL\(\s*"(?:\.\.\/)+main\.ts"\s*,\s*import\.meta\.url\s*,?\s*\)/g;
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

async function copyTree(from: string, to: string, onFile: (text: string) => string) {
  async function visit(rel: string) {
    const src = `${from}/${rel}`;
    const info = await Deno.stat(src);
    if (info.isDirectory) {
      await Deno.mkdir(`${to}/${rel}`, { recursive: true });
      for await (const e of Deno.readDir(src)) await visit(`${rel}/${e.name}`);
      return;
    }
    if (!rel.endsWith(".ts") || rel.endsWith("_test.ts")) return;
    await Deno.writeTextFile(`${to}/${rel}`, onFile(await Deno.readTextFile(src)));
  }
  await visit("src");
  await Deno.writeTextFile(`${to}/main.ts`, onFile(await Deno.readTextFile(`${from}/main.ts`)));
  for (const f of ["deno.json", "package.json"]) await Deno.copyFile(`${from}/${f}`, `${to}/${f}`);
  await Deno.symlink(`${from}/node_modules`, `${to}/node_modules`);
}

async function denoBundle(cwd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", ...args],
    cwd,
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/** The first line of a bundle's main.js: how an earlier bundle is told from other files. */
export const BANNER = "// mycel bundle (scripts/bundle.ts): generated, do not edit";

/**
 * Empty `out` for a new bundle: only an earlier bundle (`.js` files, its
 * main.js starting with {@link BANNER}) is removed; anything else there
 * stops the build, so a mistyped `--out` never deletes other files.
 */
async function clearOutput(out: string): Promise<void> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(out)) names.push(e.isFile ? e.name : `${e.name}/`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (names.length === 0) return;
  const main = names.includes("main.js")
    ? (await Deno.readTextFile(`${out}/main.js`)).slice(0, BANNER.length)
    : "";
  const other = names.find((n) => !n.endsWith(".js")) ??
    (main === BANNER ? undefined : names.sort()[0]);
  if (other !== undefined) {
    throw new Error(
      `${out} holds ${other}, which is not from a bundle: give an empty or new folder`,
    );
  }
  for (const n of names) await Deno.remove(`${out}/${n}`);
}

/**
 * Build the bundle into the folder `out` (an earlier bundle there is
 * replaced) from the repository at `root`. Returns the files written,
 * relative to `out`.
 */
export async function bundle(out: string, root: string = ROOT): Promise<string[]> {
  const stage = await Deno.makeTempDir({ prefix: "mycel-bundle-" });
  try {
    await copyTree(root, stage, stageSource);
    await clearOutput(out);
    await denoBundle(stage, ["--code-splitting", "--format", "esm", "--outdir", out, "main.ts"]);
    for (const w of await workerModules(pathToFileURL(`${root}/`))) {
      await denoBundle(stage, ["--format", "esm", "-o", `${out}/${workerFile(w)}`, w]);
    }
    const files: string[] = [];
    for await (const e of Deno.readDir(out)) {
      if (!e.isFile || !e.name.endsWith(".js")) throw new Error(`unexpected output: ${e.name}`);
      const path = `${out}/${e.name}`;
      const js = unliteralChunks(await Deno.readTextFile(path));
      await Deno.writeTextFile(path, e.name === "main.js" ? `${BANNER}\n${js}` : js);
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
  let dir = `${ROOT}/dist/bundle`;
  if (args[0] === "--out" && args.length === 2 && args[1] !== "") {
    dir = resolve(args[1]);
  } else if (args.length > 0) {
    console.error(`bundle: unexpected arguments: ${args.join(" ")}\n${USAGE}`);
    Deno.exit(2);
  }
  try {
    const files = await bundle(dir);
    let bytes = 0;
    for (const f of files) bytes += (await Deno.stat(`${dir}/${f}`)).size;
    console.log(
      `${dir}: ${files.length} files, ${(bytes / 1024).toFixed(0)} kB ` +
        `(run: deno ${denoRunArgs(`${dir}/main.js`).join(" ")})`,
    );
  } catch (e) {
    console.error(`bundle: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
