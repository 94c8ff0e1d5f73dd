/**
 * What `mycel status` loads before it runs: the static imports from
 * main.ts and the status command (lazily imported modules and type-only
 * imports load nothing). Each `node:` module but `node:sqlite` costs every
 * command start-up time (`node:fs` about 30 ms, `node:path` about 10 ms:
 * docs/benchmarks.md, "Start-up"), so a module there that needs one loads
 * it lazily (as src/storage/home_owner.ts is).
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[\s\S]*?\bfrom\s+)?"([^"]+)"\s*;/gm;

/** Every module `entry` loads statically, and the `node:` modules among them. */
async function staticGraph(entries: string[]): Promise<{ files: Set<string>; node: Set<string> }> {
  const files = new Set<string>(), node = new Set<string>();
  const visit = async (url: URL) => {
    const path = url.pathname.slice(ROOT.pathname.length);
    if (files.has(path)) return;
    files.add(path);
    const text = await Deno.readTextFile(url);
    for (const [, spec] of text.matchAll(IMPORT)) {
      if (spec.startsWith("node:")) node.add(spec);
      else if (spec.startsWith(".")) await visit(new URL(spec, url));
    }
  };
  for (const e of entries) await visit(new URL(e, ROOT));
  return { files, node };
}

Deno.test("mycel status loads no node: module but node:sqlite before it runs", async () => {
  const { files, node } = await staticGraph(["main.ts", "src/cli/commands/status.ts"]);
  assert.ok(files.has("src/storage/home_guard.ts"), "the graph is followed");
  assert.ok(files.has("src/storage/db.ts"));
  assert.deepEqual([...node].sort(), ["node:sqlite"]);
});
