/**
 * @module compile_test
 * `deno task compile` (scripts/compile.ts):
 * - what the binary embeds, checked on deno compile's own file listing (a
 *   placeholder base makes deno list the files without a denort binary):
 *   the bundle's files (scripts/bundle.ts) and nothing else — no
 *   node_modules, no TypeScript, no deno binary — within 8 MB above the
 *   runtime;
 * - the `deno compile` argv (`compileArgs`: permissions baked in, no -A,
 *   the bundle included whole, no deno.json);
 * - Linux and macOS targets only (no Windows);
 * - without a denort base binary the build fails with a clear message;
 * - with one (`DENORT_BIN` naming an existing file) the real build: the
 *   binary prints package.json's version and two devices sync with it on
 *   127.0.0.1. Otherwise that test is skipped and says why.
 */

import assert from "node:assert/strict";
import {
  compileArgs,
  embeddedFiles,
  hostTarget,
  MAX_EMBEDDED_BYTES,
  parseEmbedded,
  TARGETS,
} from "../scripts/compile.ts";
import { lazyCalls } from "../scripts/lazy_modules.ts";
import { V8_FLAGS_ARG } from "../src/runtime_flags.ts";
import { buildSyncsTwoDevices } from "./helpers/build_smoke.ts";
import { childEnv, REPO_ROOT } from "./helpers/mycel.ts";

const ROOT_URL = new URL("../", import.meta.url);
const PKG = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/package.json`)) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const DENORT = Deno.env.get("DENORT_BIN");
const available = (() => {
  if (!DENORT) return false;
  try {
    return Deno.statSync(DENORT).isFile;
  } catch {
    return false;
  }
})();
if (!available) {
  console.log(
    DENORT
      ? `compile test skipped: DENORT_BIN=${DENORT} is not an existing file`
      : "compile test skipped: no denort base binary (set DENORT_BIN) and downloads are unreachable",
  );
}

const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

Deno.test("the binary embeds the bundle and nothing else, within 8 MB above the runtime", async () => {
  const { entries, totalBytes, listing } = await embeddedFiles(ROOT_URL);
  const files = entries.filter((e) => !e.folder).map((e) => e.path);
  assert.ok(files.includes("main.js"), listing);
  // Flat: main.js, the chunks and the workers side by side.
  for (const f of files) assert.match(f, /^[\w.-]+\.js$/, `${f}\n${listing}`);
  assert.ok(!entries.some((e) => e.folder), `no folder (node_modules, src):\n${listing}`);
  for (const w of ["hash_worker.js", "entry_hash_worker.js"]) assert.ok(files.includes(w), w);
  // Each lazily imported module is a chunk of its own, named after it.
  for (const c of await lazyCalls(ROOT_URL)) {
    const base = c.target.slice(c.target.lastIndexOf("/") + 1).replace(/\.ts$/, "");
    assert.ok(files.some((f) => f.startsWith(`${base}-`)), `${c.target}: no ${base}-*.js`);
  }
  assert.ok(totalBytes > 512 * 1024, `the listing was read (${totalBytes} bytes)`);
  assert.ok(
    totalBytes <= MAX_EMBEDDED_BYTES,
    `embedded files are ${(totalBytes / 2 ** 20).toFixed(1)} MB:\n${listing}`,
  );
});

Deno.test("parseEmbedded reads deno compile's tree, folders, sizes and the total", () => {
  const text = [
    "Compile main.ts to file:///tmp/x",
    "",
    "Embedded Files",
    "",
    "x",
    "├── main.ts (8.29KB)",
    "├─┬ node_modules (6.92MB - 6.9MB unique)",
    "│ ├── @deno (0B)",
    "│ ├─┬ cbor-x (2.13MB)",
    "│ │ ├── dist/* (1.98MB)",
    "│ │ └── package.json (2.11KB)",
    "│ └── uqr/* (77.71KB - 65.99KB unique)",
    "├── package.json (572B)",
    "└─┬ src (1.26MB)",
    "  └── version.ts (451B)",
    "",
    "Files: 8.21MB",
    "Metadata: 2.12KB",
  ].join("\n");
  const { entries, totalBytes } = parseEmbedded(`\x1b[1m${text}\x1b[0m`);
  assert.deepEqual(entries.map((e) => [e.path, e.folder]), [
    ["main.ts", false],
    ["node_modules", true],
    ["node_modules/@deno", false],
    ["node_modules/cbor-x", true],
    ["node_modules/cbor-x/dist", true],
    ["node_modules/cbor-x/package.json", false],
    ["node_modules/uqr", true],
    ["package.json", false],
    ["src", true],
    ["src/version.ts", false],
  ]);
  assert.equal(entries[0].bytes, Math.round(8.29 * 1024));
  assert.equal(entries[2].bytes, 0);
  assert.equal(totalBytes, Math.round(8.21 * 1024 * 1024));
  assert.throws(() => parseEmbedded("no listing here"), /Embedded Files/);
  assert.throws(() => parseEmbedded("Embedded Files\n├── a (1KB)\n"), /Files:/);
});

Deno.test("the program imports no development-only package (they are not in the binary)", () => {
  const dev = Object.keys(PKG.devDependencies);
  const files = [`${REPO_ROOT}/main.ts`];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.name.endsWith(".ts")) files.push(path);
    }
  };
  walk(`${REPO_ROOT}/src`);
  assert.ok(files.length > 20, "the sources were found");
  for (const file of files) {
    const text = Deno.readTextFileSync(file);
    for (const m of text.matchAll(/\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"/g)) {
      const spec = m[1] ?? m[2];
      const name = spec.startsWith("@")
        ? spec.split("/").slice(0, 2).join("/")
        : spec.split("/")[0];
      assert.ok(!dev.includes(name), `${file} imports the dev-only package ${name}`);
    }
  }
});

Deno.test("compileArgs: permissions and V8 flags baked in, the bundle whole, no deno.json, target and output", () => {
  const args = compileArgs("x86_64-unknown-linux-gnu", "dist/m", "/tmp/b/bundle/");
  assert.equal(args[0], "compile");
  for (const p of PERMISSIONS) assert.ok(args.includes(p), `${p} is baked in`);
  assert.ok(!args.some((a) => a === "-A" || a === "--allow-all"), "no blanket -A");
  assert.ok(!args.some((a) => a.startsWith("--allow-ffi")), "no FFI");
  assert.ok(args.includes("--no-check"));
  assert.ok(args.includes(V8_FLAGS_ARG), "the V8 flags every mycel process runs with");
  assert.ok(args.includes("--no-config"), "no deno.json: nothing from node_modules is embedded");
  assert.equal(args[args.indexOf("--include") + 1], "/tmp/b/bundle", "the chunks, imported by URL");
  assert.equal(args[args.indexOf("--target") + 1], "x86_64-unknown-linux-gnu");
  assert.equal(args[args.indexOf("--output") + 1], "dist/m");
  assert.equal(args.at(-1), "/tmp/b/bundle/main.js", "the entry point comes last");
  // Flags before the entry point (anything after it would be the program's argv).
  assert.equal(args.indexOf("/tmp/b/bundle/main.js"), args.length - 1);
});

Deno.test("targets are Linux and macOS only; hostTarget names this machine's triple", () => {
  assert.deepEqual(TARGETS, [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
  ]);
  assert.ok(TARGETS.includes(hostTarget()), hostTarget());
  assert.ok(hostTarget().startsWith(`${Deno.build.arch}-`));
  assert.equal(hostTarget("darwin", "aarch64"), "aarch64-apple-darwin");
  assert.equal(hostTarget("linux", "x86_64"), "x86_64-unknown-linux-gnu");
  assert.throws(() => hostTarget("windows", "x86_64"), /only Linux and macOS/);
});

Deno.test("compile refuses a target it does not build (Windows)", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/compile.ts", "--target", "x86_64-pc-windows-msvc"],
    cwd: REPO_ROOT,
    env: childEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 2);
  assert.match(new TextDecoder().decode(r.stderr), /unknown target x86_64-pc-windows-msvc/);
});

Deno.test("compile without a denort base binary fails with a clear message and leaves no binary", async () => {
  const missing = `${await Deno.makeTempDir({ prefix: "mycel-no-denort-" })}/denort`;
  const out = `dist/mycel-${hostTarget()}`;
  const before = await Deno.stat(`${REPO_ROOT}/${out}`).then((s) => s.mtime?.getTime()).catch(() =>
    undefined
  );
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/compile.ts"],
    cwd: REPO_ROOT,
    env: { ...childEnv(), DENORT_BIN: missing },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(missing.replace(/\/denort$/, ""), { recursive: true });
  const stderr = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 1, stderr);
  assert.match(
    stderr,
    new RegExp(`failed to build ${out}: the denort base binary is not available`),
  );
  assert.match(stderr, /Set DENORT_BIN to a local denort binary of the same Deno version/);
  assert.ok(stderr.includes(missing), `names the missing file:\n${stderr}`);
  const after = await Deno.stat(`${REPO_ROOT}/${out}`).then((s) => s.mtime?.getTime()).catch(() =>
    undefined
  );
  assert.equal(after, before, "no binary written");
  const leftovers = [...Deno.readDirSync(`${REPO_ROOT}/dist`)].filter((e) =>
    e.name.includes(".tmp-")
  );
  assert.deepEqual(leftovers, [], "no temporary files left in dist/");
});

Deno.test({
  name: "deno task compile: the binary prints the version and two devices sync with it",
  ignore: !available,
  async fn() {
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/compile.ts"],
      cwd: REPO_ROOT,
      env: { ...childEnv(), DENORT_BIN: DENORT! },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert.equal(build.code, 0, `compile:\n${dec.decode(build.stdout)}${dec.decode(build.stderr)}`);
    const bin = `${REPO_ROOT}/dist/mycel-${hostTarget()}`;
    assert.ok(Deno.statSync(bin).isFile, `${bin} exists`);

    await buildSyncsTwoDevices([bin], PKG.version);
  },
});
