/**
 * @module lazy_import_test
 * `lazyImport` (src/lazy_import.ts) hides a module from deno's graph, so
 * nothing but the sources says what it loads: every call names one existing
 * module twice (type argument and URL), and the helper loads it. That the
 * bundle (and so the binary) holds each one is tests/bundle_test.ts's.
 */

import assert from "node:assert/strict";
import { lazyCalls, workerModules } from "../scripts/lazy_modules.ts";
import { lazyImport } from "../src/lazy_import.ts";

const ROOT = new URL("../", import.meta.url);

Deno.test("every lazyImport names one existing module, the same in its type and its URL", async () => {
  const calls = await lazyCalls(ROOT);
  assert.ok(calls.filter((c) => c.file.startsWith("src/")).length >= 30, "calls under src/");
  assert.ok(calls.filter((c) => c.file === "main.ts").length >= 3, "calls in main.ts");
  for (const c of calls) {
    assert.equal(c.typeSpecifier, c.urlSpecifier, `${c.file} → ${c.target}`);
    assert.ok((await Deno.stat(new URL(c.target, ROOT))).isFile, c.target);
  }
});

Deno.test("no module in src/ or main.ts imports one of ours with a literal import(): deno would walk it ahead", async () => {
  const offenders: string[] = [];
  const visit = async (path: string) => {
    const url = new URL(path, ROOT);
    if ((await Deno.stat(url)).isDirectory) {
      for await (const e of Deno.readDir(url)) await visit(`${path}/${e.name}`);
      return;
    }
    if (!path.endsWith(".ts") || path === "src/lazy_import.ts") return;
    const lines = (await Deno.readTextFile(url)).split("\n");
    lines.forEach((l, i) => {
      if (/^\s*(\*|\/\/)/.test(l)) return; // comments may show one
      if (/(?<!typeof )(?<![\w.])import\(\s*["']\./.test(l)) offenders.push(`${path}:${i + 1}`);
    });
  };
  for (const p of ["main.ts", "src"]) await visit(p);
  assert.deepEqual(offenders, []);
});

Deno.test("lazyImport loads the module its URL names", async () => {
  const m = await lazyImport<typeof import("../src/version.ts")>(
    new URL("../src/version.ts", import.meta.url),
  );
  assert.match(m.VERSION, /^\d+\.\d+\.\d+/);
});

Deno.test("every worker started from src/ names an existing entry module", async () => {
  const workers = await workerModules(ROOT);
  assert.deepEqual(workers, ["src/files/hash_worker.ts", "src/storage/entry_hash_worker.ts"]);
  for (const w of workers) assert.ok((await Deno.stat(new URL(w, ROOT))).isFile, w);
});
