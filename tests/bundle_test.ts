/**
 * @module bundle_test
 * `deno task bundle` (scripts/bundle.ts), from which `deno compile` builds:
 * - the staging rewrite: every lazy import becomes a literal one the
 *   bundler follows (and any other form stops the build), worker and
 *   main.ts URLs point at the bundle's files;
 * - the output: main.js, a chunk per lazily imported module, each worker,
 *   flat; no TypeScript import and no literal chunk import left (Deno would
 *   load every chunk ahead of each run);
 * - the workers in the bundle answer as the sources' do;
 * - the bundle runs mycel: two devices sync with it, and the command a
 *   timer would run is the bundle itself.
 */

import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { BANNER, bundle, stageSource, unliteralChunks, workerFile } from "../scripts/bundle.ts";
import { lazyCalls } from "../scripts/lazy_modules.ts";
import { loadBlake3 } from "../src/files/chunk_hash.ts";
import { denoRunArgs, V8_FLAGS_ARG } from "../src/runtime_flags.ts";
import { buildSyncsTwoDevices, runBuild } from "./helpers/build_smoke.ts";
import { REPO_ROOT } from "./helpers/mycel.ts";

const ROOT = REPO_ROOT;
const PKG = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/package.json`)) as {
  version: string;
};

Deno.test("staging turns each lazy import, as deno fmt writes it, into a literal import()", () => {
  const src = [
    'const { a } = await lazyImport<typeof import("./a.ts")>(new URL("./a.ts", import.meta.url));',
    'const { b } = await lazyImport<typeof import("../x/b.ts")>(',
    '  new URL("../x/b.ts", import.meta.url),',
    ");",
    "const { c } = await lazyImport<",
    '  typeof import("./c.ts")',
    '>(new URL("./c.ts", import.meta.url));',
    // A long specifier: deno fmt breaks the URL's arguments too, with trailing commas.
    'const { d } = await lazyImport<typeof import("../a/very/long/d.ts")>(',
    "  new URL(",
    '    "../a/very/long/d.ts",',
    "    import.meta.url,",
    "  ),",
    ");",
  ].join("\n");
  assert.equal(
    stageSource(src),
    [
      'const { a } = await import("./a.ts");',
      'const { b } = await import("../x/b.ts");',
      'const { c } = await import("./c.ts");',
      'const { d } = await import("../a/very/long/d.ts");',
    ].join("\n"),
  );
});

Deno.test("staging stops at a lazy import naming two modules, or written in another form", () => {
  assert.throws(
    () =>
      stageSource('await lazyImport<typeof import("./a.ts")>(new URL("./b.ts", import.meta.url));'),
    /names two modules: \.\/a\.ts, \.\/b\.ts/,
  );
  assert.throws(
    () => stageSource('const u = new URL("./a.ts", import.meta.url);\nlazyImport<typeof X>(u);'),
    /not in the form the bundle knows: lazyImport<typeof X>\(u\);/,
  );
  // A comment may show one; the helper's own definition is not a call.
  const kept = "/** lazyImport<typeof import(x)>(u) */\nexport function lazyImport<T>(url: URL) {}";
  assert.equal(stageSource(kept), kept);
});

Deno.test("staging points workers and main.ts at the bundle's own files", () => {
  assert.equal(
    stageSource(
      'new Worker(new URL("./hash_worker.ts", import.meta.url).href, { type: "module" })',
    ),
    'new Worker(new URL("./hash_worker.js", import.meta.url).href, { type: "module" })',
  );
  assert.equal(
    stageSource('const mainUrl = new URL("../../main.ts", import.meta.url);'),
    'const mainUrl = new URL("./main.js", import.meta.url);',
  );
  assert.equal(workerFile("src/storage/entry_hash_worker.ts"), "entry_hash_worker.js");
});

Deno.test("a chunk import in the output is made lazy again; builtins and others are left alone", () => {
  const js = [
    'const m = await import("./status-AB12CD34.js");',
    'const n = await import("node:crypto");',
    'import { x } from "./chunk-ZZ.js";',
    'await import("./sub/dir.js");',
  ].join("\n");
  assert.equal(
    unliteralChunks(js),
    [
      'const m = await import(new URL("./status-AB12CD34.js", import.meta.url).href);',
      'const n = await import("node:crypto");',
      'import { x } from "./chunk-ZZ.js";',
      'await import("./sub/dir.js");',
    ].join("\n"),
  );
});

/**
 * Build the bundle of this tree into a temporary folder for `fn`, removed
 * afterwards. Its name has a space and a `#`: paths, not URLs, all the way.
 */
async function withBundle(
  fn: (b: { dir: string; out: string; files: string[] }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mycel bundle #test-" });
  try {
    const out = `${dir}/bundle`;
    await fn({ dir, out, files: await bundle(out, ROOT) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the bundle: main.js, a chunk per lazy module, each worker; no .ts, no literal chunk import", () =>
  withBundle(async ({ out, files }) => {
    assert.ok(files.includes("main.js"), files.join(" "));
    for (const w of ["hash_worker.js", "entry_hash_worker.js"]) assert.ok(files.includes(w), w);
    for (const c of await lazyCalls(new URL("../", import.meta.url))) {
      const base = c.target.slice(c.target.lastIndexOf("/") + 1).replace(/\.ts$/, "");
      assert.ok(files.some((f) => f.startsWith(`${base}-`)), `${c.target}: no ${base}-*.js`);
    }
    for (const f of files) {
      const text = await Deno.readTextFile(`${out}/${f}`);
      assert.doesNotMatch(text, /\bfrom\s+"[^"]+\.ts"|\bimport\(\s*"[^"]+\.ts"\s*\)/, f);
      assert.doesNotMatch(text, /\bimport\(\s*"\.\//, `${f}: a literal import of a chunk`);
      assert.doesNotMatch(text, /\blazyImport\(/, `${f}: a lazy import left as a call`);
      // Whatever the bundle imports by URL is one of its own files.
      for (const m of text.matchAll(/new URL\("\.\/([^"]+)", import\.meta\.url\)/g)) {
        assert.ok(files.includes(m[1]), `${f} names ${m[1]}, which the bundle lacks`);
      }
    }
  }));

Deno.test("the bundle's workers answer as the sources' workers do", () =>
  withBundle(async ({ out }) => {
    const ask = async <T>(file: string, msg: unknown, transfer: Transferable[]): Promise<T> => {
      const w = new Worker(pathToFileURL(`${out}/${file}`).href, { type: "module" });
      try {
        return await new Promise<T>((resolve, reject) => {
          w.onmessage = (e) => resolve(e.data as T);
          w.onerror = (e) => {
            e.preventDefault();
            reject(new Error(`${file}: ${e.message}`));
          };
          w.postMessage(msg, transfer);
        });
      } finally {
        w.terminate();
      }
    };
    const bytes = new TextEncoder().encode("mycel bundle worker check ".repeat(40));
    const buf = new ArrayBuffer(bytes.length + 16);
    new Uint8Array(buf).set(bytes);
    // A batch of two chunks laid end to end (hash_pool.ts).
    const hashed = await ask<{ id: number; hashes: string[] }>(
      "hash_worker.js",
      { id: 7, buf, lengths: [100, bytes.length - 100] },
      [buf],
    );
    assert.equal(hashed.id, 7);
    const blake3 = await loadBlake3();
    assert.deepEqual(hashed.hashes, [blake3(bytes.subarray(0, 100)), blake3(bytes.subarray(100))]);

    const two = new TextEncoder().encode("first entry|second");
    const entries = await ask<{ id: number; hashes: ArrayBuffer }>(
      "entry_hash_worker.js",
      { id: 3, buf: two.slice().buffer, ends: [12, two.length] },
      [],
    );
    assert.equal(entries.id, 3);
    const want = new Uint8Array(64);
    want.set(new Uint8Array(await crypto.subtle.digest("SHA-256", two.slice(0, 12))), 0);
    want.set(new Uint8Array(await crypto.subtle.digest("SHA-256", two.slice(12))), 32);
    assert.deepEqual(new Uint8Array(entries.hashes), want);
  }));

Deno.test("the bundle runs mycel: the version, and two devices sync with it", () =>
  withBundle(async ({ out }) => {
    await buildSyncsTwoDevices(
      [Deno.execPath(), ...denoRunArgs(`${out}/main.js`)],
      PKG.version,
    );
  }));

Deno.test("a timer set up from the bundle runs the bundle", () =>
  withBundle(async ({ dir, out }) => {
    const main = `${out}/main.js`;
    const cmd = [Deno.execPath(), ...denoRunArgs(main)];
    const home = `${dir}/home`;
    const init = await runBuild(cmd, ["--home", home, "--no-sync", "init", "--name", "t"]);
    assert.equal(init.code, 0, init.stderr);
    // PATH without any installed mycel, so the command is this build's own.
    const r = await runBuild(cmd, ["--home", home, "service", "install", "--cron"], {
      PATH: "/usr/bin:/bin",
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n").filter((l) => l.includes(" sync now "));
    assert.ok(lines.length >= 1, r.stdout);
    // The folder's name has a space: the cron line quotes it.
    for (const l of lines) {
      assert.ok(l.includes(`${Deno.execPath()} run -A ${V8_FLAGS_ARG} '${main}' `), l);
    }
  }));

Deno.test("the bundle replaces only an earlier bundle: other files, plain scripts included, stop it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-bundle-out-" });
  try {
    await Deno.writeTextFile(`${dir}/notes.txt`, "mine\n");
    await Deno.writeTextFile(`${dir}/old.js`, "// a script of mine\n");
    await assert.rejects(() => bundle(dir, ROOT), /holds notes\.txt, which is not from a bundle/);
    await Deno.remove(`${dir}/notes.txt`);
    // Only .js files, but no bundle's main.js: still someone else's.
    await assert.rejects(() => bundle(dir, ROOT), /holds old\.js, which is not from a bundle/);
    await Deno.writeTextFile(`${dir}/main.js`, "console.log('mine');\n");
    await assert.rejects(() => bundle(dir, ROOT), /holds main\.js, which is not from a bundle/);
    assert.equal(await Deno.readTextFile(`${dir}/old.js`), "// a script of mine\n");
    assert.equal(await Deno.readTextFile(`${dir}/main.js`), "console.log('mine');\n");
    // An earlier bundle (its main.js carries the banner) is replaced whole.
    await Deno.writeTextFile(`${dir}/main.js`, `${BANNER}\nexport {};\n`);
    const files = await bundle(dir, ROOT);
    assert.ok(!files.includes("old.js"), "the earlier bundle's files are gone");
    assert.ok((await Deno.readTextFile(`${dir}/main.js`)).startsWith(`${BANNER}\n`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
