/**
 * @module compile_test
 * `deno task compile` (scripts/compile.ts):
 * - what the binary embeds, checked on deno compile's own file listing (a
 *   placeholder base makes deno list the files without a denort binary):
 *   only the run-time packages, no deno binary, no `.bin` links, no dev or
 *   unused packages, within 25 MB above the runtime;
 * - what is left out (`excludedModules`, `runtimeClosure`) and the
 *   `deno compile` argv (`compileArgs`: permissions baked in, no -A);
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
  excludedModules,
  hostTarget,
  MAX_EMBEDDED_BYTES,
  parseEmbedded,
  runtimeClosure,
  TARGETS,
} from "../scripts/compile.ts";
import { childEnv, REPO_ROOT } from "./helpers/mycel.ts";
import { freePort } from "./helpers/net.ts";
import { type Proc, type ProcResult, runProcess, spawnProcess } from "./helpers/process.ts";

const ROOT_URL = new URL("../", import.meta.url);
const PKG = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/package.json`)) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const LOCK = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/package-lock.json`)) as {
  packages: Record<string, { dev?: boolean; optional?: boolean }>;
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

/**
 * Names directly under the binary's node_modules: packages, or whole scopes
 * (`@noble`) since deno collapses those.
 */
function embeddedPackages(paths: string[]): string[] {
  return [
    ...new Set(
      paths.filter((p) => p.startsWith("node_modules/")).map((p) => p.split("/")[1])
        .filter((p) => p !== ".package-lock.json"),
    ),
  ].sort();
}

Deno.test("the binary embeds only run-time packages and stays within 25 MB above the runtime", async () => {
  const { entries, totalBytes, listing } = await embeddedFiles(ROOT_URL);
  const present = entries.filter((e) => e.bytes > 0).map((e) => e.path);
  // Exactly the closure of package.json's dependencies, found via the lockfile.
  const closure = runtimeClosure(LOCK, Object.keys(PKG.dependencies));
  const expected = embeddedPackages([...closure]);
  assert.deepEqual(embeddedPackages(present), expected, listing);
  for (const p of ["@noble", "hash-wasm", "uqr", "smol-toml"]) {
    assert.ok(expected.includes(p), `${p} is embedded`);
  }
  for (const p of present) {
    assert.doesNotMatch(p, /(^|\/)(deno|@deno|\.bin|cbor-extract|pngjs|yargs|qrcode)(\/|$)/, p);
  }
  for (const dev of Object.keys(PKG.devDependencies)) {
    assert.ok(!present.some((p) => p.startsWith(`node_modules/${dev}`)), `${dev} (dev) is out`);
  }
  // Besides node_modules only the program: main.ts, package.json and src/.
  const top = [...new Set(present.map((p) => p.split("/")[0]))].sort();
  assert.deepEqual(top, ["main.ts", "node_modules", "package.json", "src"]);
  assert.ok(totalBytes > 1024 * 1024, `the listing was read (${totalBytes} bytes)`);
  assert.ok(
    totalBytes <= MAX_EMBEDDED_BYTES,
    `embedded files are ${(totalBytes / 2 ** 20).toFixed(1)} MB:\n${listing}`,
  );
});

Deno.test("excludedModules: everything outside the run-time closure, and every .bin", async () => {
  const ex = await excludedModules(ROOT_URL);
  const closure = runtimeClosure(LOCK, Object.keys(PKG.dependencies));
  for (const m of ["node_modules/.bin", "node_modules/deno"]) {
    assert.ok(ex.includes(m), `${m} is excluded`);
  }
  for (const p of Object.keys(LOCK.packages).filter((p) => p.startsWith("node_modules/"))) {
    const dropped = ex.some((e) => p === e || p.startsWith(`${e}/`));
    assert.equal(dropped, !closure.has(p), `${p}: ${closure.has(p) ? "needed" : "unused"}`);
  }
  const native = Object.keys(LOCK.packages).filter((p) => /(^|\/)cbor-extract$|@deno\//.test(p));
  assert.ok(native.length > 0, "the lockfile has native optional packages");
  for (const p of native) assert.ok(!closure.has(p), `${p} (optional, native) is left out`);
  for (const dev of Object.keys(PKG.devDependencies)) {
    assert.ok(ex.includes(`node_modules/${dev}`), `devDependency ${dev} is excluded`);
  }
  for (const dep of Object.keys(PKG.dependencies).filter((d) => d !== "deno")) {
    assert.ok(closure.has(`node_modules/${dep}`), `runtime dependency ${dep} is kept`);
  }
  assert.deepEqual(ex, [...new Set(ex)].sort(), "sorted, no duplicates");
  for (const p of ex.filter((p) => !p.endsWith("/.bin"))) {
    assert.ok(p in LOCK.packages, `${p} names a package of the lockfile`);
    assert.ok(!ex.some((e) => p.startsWith(`${e}/`)), `${p} is not inside another excluded path`);
  }
});

Deno.test("runtimeClosure follows dependencies and required peers the way Node resolves them", () => {
  const lock = {
    packages: {
      "": {},
      "node_modules/app": { dependencies: { lib: "1", util: "2" }, optionalDependencies: {} },
      "node_modules/app/node_modules/util": { dependencies: { leaf: "1" } },
      "node_modules/util": { dependencies: { other: "1" } },
      "node_modules/lib": {
        peerDependencies: { peer: "1", maybe: "1" },
        peerDependenciesMeta: { maybe: { optional: true } },
      },
      "node_modules/leaf": {},
      "node_modules/peer": {},
      "node_modules/maybe": {},
      "node_modules/other": {},
      "node_modules/native": {},
      "node_modules/@s/x": { dependencies: { leaf: "1" } },
      "node_modules/deno": { dependencies: { leaf: "1" } },
    },
  };
  const keep = runtimeClosure(lock, ["app", "@s/x", "deno", "missing"]);
  assert.deepEqual([...keep].sort(), [
    "node_modules/@s/x",
    "node_modules/app",
    "node_modules/app/node_modules/util", // the nested copy wins over the top-level one
    "node_modules/leaf",
    "node_modules/lib",
    "node_modules/peer",
  ]);
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

Deno.test("compileArgs: permissions baked in, excludes, target and output", () => {
  const args = compileArgs(
    "x86_64-unknown-linux-gnu",
    ["node_modules/deno", "node_modules/yjs"],
    "dist/m",
  );
  assert.equal(args[0], "compile");
  for (const p of PERMISSIONS) assert.ok(args.includes(p), `${p} is baked in`);
  assert.ok(!args.some((a) => a === "-A" || a === "--allow-all"), "no blanket -A");
  assert.ok(!args.some((a) => a.startsWith("--allow-ffi")), "no FFI");
  assert.ok(args.includes("--no-check"));
  const pairs = args.flatMap((a, i) => (a === "--exclude" ? [args[i + 1]] : []));
  assert.deepEqual(pairs, ["node_modules/deno", "node_modules/yjs"]);
  assert.equal(args[args.indexOf("--target") + 1], "x86_64-unknown-linux-gnu");
  assert.equal(args[args.indexOf("--output") + 1], "dist/m");
  assert.equal(args.at(-1), "main.ts", "the entry point comes last");
  // Flags before the entry point (anything after it would be the program's argv).
  assert.ok(args.indexOf("main.ts") > args.lastIndexOf("--output"));
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

/** Run the compiled binary with a mycel child's environment; a deadline kills it by PID. */
function runBinary(bin: string, args: string[]): Promise<ProcResult> {
  return runProcess(bin, args, { env: childEnv(), clearEnv: true, timeoutMs: 60_000 });
}

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

    const version = await runBinary(bin, ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), `mycel ${PKG.version}`);

    const tmp = await Deno.makeTempDir({ prefix: "mycel-compiled-" });
    let server: Proc | undefined;
    try {
      const a = `${tmp}/a`, b = `${tmp}/b`;
      const port = freePort();
      const ok = async (args: string[]) => {
        const r = await runBinary(bin, args);
        assert.equal(r.code, 0, `mycel ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
        return r;
      };
      await ok(["--home", a, "--no-sync", "init", "--name", "alpha"]);
      await ok([
        "--home",
        b,
        "--no-sync",
        "init",
        "--name",
        "beta",
        "--listen",
        `127.0.0.1:${port}`,
      ]);
      const cardA = (await ok(["--home", a, "--no-sync", "mesh", "card"])).stdout.trim();
      const cardB = (await ok(["--home", b, "--no-sync", "mesh", "card"])).stdout.trim();
      await ok(["--home", a, "--no-sync", "mesh", "add-peer", cardB]);
      await ok(["--home", b, "--no-sync", "mesh", "add-peer", cardA]);
      await ok(["--home", a, "--no-sync", "pref", "set", "from", "alpha"]);
      await ok(["--home", b, "--no-sync", "pref", "set", "to", "beta"]);

      server = spawnProcess(bin, ["--home", b, "sync", "serve", "--listen", `127.0.0.1:${port}`], {
        env: childEnv(),
        clearEnv: true,
        timeoutMs: 0,
      });
      await server.waitFor(/listening on/, { stream: "stderr", timeoutMs: 30_000 });
      const round = await ok(["--home", a, "sync", "now", "--json", "--timeout", "20"]);
      const outcomes = JSON.parse(round.stdout) as { name: string; status: string }[];
      assert.deepEqual(outcomes.map((o) => [o.name, o.status]), [["beta", "synced"]]);
      const digest = async (h: string) =>
        JSON.parse((await ok(["--home", h, "--no-sync", "status", "--json"])).stdout).state_digest;
      assert.equal(await digest(a), await digest(b));
      const prefs = JSON.parse(
        (await ok(["--home", a, "--no-sync", "pref", "list", "--json"])).stdout,
      );
      assert.deepEqual(prefs, { from: "alpha", to: "beta" });
      await server.stop("SIGTERM");
      server = undefined;
    } finally {
      await server?.stop("SIGKILL");
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
