/**
 * @module hostile_text_test
 * Text from peers and from the replicated state never reaches a terminal
 * raw. A real home is filled through the CLI with values, keys, names, apps
 * and patterns holding ESC sequences, the one-character CSI U+009B and the
 * right-to-left override U+202E, and given a peer whose own name holds them
 * (its signed card, admitted with `mesh add-peer`). Then every command that
 * prints runs as a real process, and its standard output and error must hold
 * none of those code points (nor any other unsafe one; newlines aside) —
 * while `--json` output still gives the exact values back.
 */

import assert from "node:assert/strict";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { Op } from "../../src/log/ops.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { isUnsafeCodePoint } from "../../src/text_safety.ts";
import { freePort } from "../helpers/net.ts";
import { describe, type MycelResult, tempHome } from "../helpers/mycel.ts";

const ESC = "\x1b";
const CSI = "\u009b";
const RLO = "\u202e";
const VALUE = `red${ESC}[31m${CSI}2J${RLO}gnp.exe${ESC}]0;title\x07\nforged line`;
// Names typed here refuse these too (cli/typed_name.ts): they are put in the
// state as a peer's entries or an older release's would carry them.
const NAME_BITS = `${CSI}2J${RLO}`;

/** Commit `ops` in the home at `root` as its own device, past the CLI's checks. */
async function commitRaw(root: string, ops: (self: DeviceKey) => Op[]): Promise<void> {
  using home = await Home.open(root, { write: true });
  await home.write((w) => w.commit(ops(home.device)));
}

function rawUnsafe(text: string): string[] {
  const found = new Set<string>();
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp !== 0x0a && isUnsafeCodePoint(cp)) found.add(`U+${cp.toString(16).padStart(4, "0")}`);
  }
  return [...found];
}

/** Every command that prints something from the state or from peers. */
const PRINTING: string[][] = [
  ["status"],
  ["status", "--json"],
  ["log"],
  ["log", "--json"],
  ["pref", "list"],
  ["pref", "list", "--json"],
  ["pref", "get", `k${NAME_BITS}`],
  ["pref", "get", `k${NAME_BITS}`, "--json"],
  ["show", "prefs"],
  ["config", "list"],
  ["config", "list", "--json"],
  ["config", "get", "editor.title"],
  ["config", "export"],
  ["config", "export", "--format", "toml"],
  ["app", "list"],
  ["app", "list", "--json"],
  ["pattern", "list"],
  ["pattern", "list", "--json"],
  ["mesh", "list"],
  ["mesh", "list", "--json"],
  ["mesh", "remove", `peer${NAME_BITS}`, "--dry-run"],
  ["mesh", "remove", `peer${NAME_BITS}`, "--dry-run", "--json"],
  ["mesh", "remove", "nobody-by-this-name"],
  ["doctor"],
  ["doctor", "--json"],
  ["sync", "now", "--timeout", "2"],
  ["sync", "now", "--timeout", "2", "--json"],
  ["service", "status"],
];

Deno.test("no printing command lets ESC, CSI (U+009B) or U+202E from the state reach the terminal", async () => {
  await using h = await tempHome("mycel-hostile-");
  await using p = await tempHome("mycel-hostile-peer-");
  const env = { MYCEL_OFFLINE: "1" };
  await h.ok(["init", "--name", "me"], { env });
  await commitRaw(h.home, (me) => [
    { type: "device.update", device: me, fields: { name: `me${NAME_BITS}` } },
    { type: "pref.set", key: `k${NAME_BITS}`, value: VALUE, observed: [] },
    { type: "app.add", name: `app${NAME_BITS}` },
  ]);
  // A peer whose self-chosen name is hostile; nothing listens at its endpoint.
  await p.ok(["init", "--name", "peer", "--listen", `127.0.0.1:${freePort()}`], { env });
  await commitRaw(p.home, (peer) => [
    { type: "device.update", device: peer, fields: { name: `peer${NAME_BITS}` } },
  ]);
  const card = (await p.ok(["mesh", "card"])).stdout.trim();
  await h.ok(["mesh", "add-peer", "-"], { env, stdin: card });
  await h.ok(["config", "set", "editor.title", VALUE], { env });
  await h.ok(["config", "set", "editor.obj", JSON.stringify({ [`x${RLO}`]: VALUE })], { env });
  await h.ok(["pattern", "add", "-"], {
    env,
    stdin: JSON.stringify({ id: `p${NAME_BITS}`, text: VALUE }),
  });

  const results: [string[], MycelResult][] = [];
  for (const args of PRINTING) {
    // Peers are contacted (sync now, doctor) but nothing answers at the peer's port.
    results.push([args, await h.run(args, { env: { MYCEL_OFFLINE: undefined } })]);
  }
  for (const [args, r] of results) {
    const what = describe(args, r);
    assert.ok(r.stdout !== "" || r.stderr !== "", `prints something: ${what}`);
    assert.deepEqual(rawUnsafe(r.stdout), [], `stdout: ${what}`);
    assert.deepEqual(rawUnsafe(r.stderr), [], `stderr: ${what}`);
    assert.doesNotMatch(r.stderr, /internal error/, what);
  }
  const byArgs = (args: string[]) => results.find(([a]) => a.join(" ") === args.join(" "))![1];
  // The hostile bits are shown escaped, visibly.
  assert.match(byArgs(["pref", "list"]).stdout, /red\\x1b\[31m\\u009b2J\\u202egnp\.exe/);
  assert.match(byArgs(["pref", "list"]).stdout, /\\nforged line\n$/, "one line per key");
  assert.match(byArgs(["mesh", "list"]).stdout, /peer\\u009b2J\\u202e/);
  // JSON keeps the exact values.
  assert.deepEqual(JSON.parse(byArgs(["pref", "list", "--json"]).stdout), {
    [`k${NAME_BITS}`]: VALUE,
  });
  assert.equal(JSON.parse(byArgs(["config", "export"]).stdout).editor.title, VALUE);
  const peers = JSON.parse(byArgs(["mesh", "list", "--json"]).stdout) as { name: string }[];
  assert.ok(peers.some((d) => d.name === `peer${NAME_BITS}`), JSON.stringify(peers));
  // The TOML export reads back to the same value.
  const { parse } = await import("smol-toml");
  const toml = parse(byArgs(["config", "export", "--format", "toml"]).stdout) as {
    editor: { title: string };
  };
  assert.equal(toml.editor.title, VALUE);
});
