/**
 * @module compile_test
 * `deno task compile` (scripts/compile.ts):
 * - what is left out of the binary (`excludedModules`: the Deno npm package
 *   and every development-only package, cbor-x and its native cbor-extract
 *   among them), that the program imports no development-only package, and the
 *   `deno compile` argv (`compileArgs`: permissions baked in, no -A);
 * - without a denort base binary the build fails with a clear message;
 * - with one (`DENORT_BIN` naming an existing file) the real build: the
 *   binary prints package.json's version and two devices sync with it on
 *   127.0.0.1. Otherwise that test is skipped and says why.
 */

import assert from "node:assert/strict";
import { compileArgs, excludedModules, hostTarget } from "../scripts/compile.ts";
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

Deno.test("excludedModules: deno itself and every dev-only package, cbor-x among them", async () => {
  const ex = await excludedModules(ROOT_URL);
  for (const m of ["node_modules/deno", "node_modules/@deno"]) {
    assert.ok(ex.includes(m), `${m} is excluded`);
  }
  // mycel has its own CBOR codec; cbor-x only checks it in tests.
  assert.ok("cbor-x" in PKG.devDependencies && !("cbor-x" in PKG.dependencies));
  const cbor = Object.keys(LOCK.packages).filter((p) =>
    /node_modules\/(cbor-x|cbor-extract|@cbor-extract\/)/.test(p)
  );
  assert.ok(cbor.length > 2, "the lockfile has cbor-x and cbor-extract");
  for (const p of cbor) assert.ok(ex.includes(p), `${p} (dev only) is excluded`);
  for (const dev of Object.keys(PKG.devDependencies)) {
    assert.ok(ex.includes(`node_modules/${dev}`), `devDependency ${dev} is excluded`);
  }
  // Transitive dev-only packages too (every lockfile entry marked dev).
  const devPaths = Object.entries(LOCK.packages).filter(([p, v]) =>
    p.startsWith("node_modules/") && v.dev
  ).map(([p]) => p);
  assert.ok(devPaths.length > Object.keys(PKG.devDependencies).length, "transitive dev deps exist");
  for (const p of devPaths) assert.ok(ex.includes(p), `${p} (dev) is excluded`);
  // Nothing the program needs at run time.
  for (const dep of Object.keys(PKG.dependencies).filter((d) => d !== "deno")) {
    assert.ok(!ex.includes(`node_modules/${dep}`), `runtime dependency ${dep} is kept`);
  }
  for (const [p, v] of Object.entries(LOCK.packages)) {
    if (!p.startsWith("node_modules/") || v.dev) continue;
    if (/^node_modules\/(deno|@deno)(\/|$)/.test(p)) continue;
    assert.ok(!ex.includes(p), `${p} is needed at run time`);
  }
  assert.deepEqual(ex, [...new Set(ex)].sort(), "sorted, no duplicates");
  // Every excluded path exists in the lockfile or is one of the three named ones.
  for (const p of ex) {
    assert.ok(
      p in LOCK.packages || p === "node_modules/@deno",
      `${p} names a package of the lockfile`,
    );
  }
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

Deno.test("hostTarget names this machine's triple", () => {
  const t = hostTarget();
  assert.ok(t.startsWith(`${Deno.build.arch}-`), t);
  assert.ok(
    t.endsWith(
      { linux: "unknown-linux-gnu", darwin: "apple-darwin", windows: "pc-windows-msvc" }[
        Deno.build.os as "linux"
      ] ?? "?",
    ),
    t,
  );
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
