/**
 * @module log_json_keys_test
 * `mycel log --json` printed each op with its TypeScript field names
 * (`upTo`, `noiseKey`, `wgPort`, `needBytes`), while every other `--json`
 * output is snake_case (issue 9). Now an op's keys are snake_case at any
 * depth, except inside a `value` (a config value or pattern: the person's
 * data, as written). The text form is unchanged.
 */

import assert from "node:assert/strict";
import type { LogEntryJson } from "../../src/cli/json_types.ts";
import { opJson } from "../../src/cli/op_text.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { tempHome } from "../helpers/mycel.ts";

const key = (n: number) => DeviceKey.of(new Uint8Array(32).fill(n));

/** Every object key under `x`, at any depth, outside `value`. */
function keysOf(x: unknown): string[] {
  if (Array.isArray(x)) return x.flatMap(keysOf);
  if (x === null || typeof x !== "object") return [];
  return Object.entries(x).flatMap(([k, v]) => [k, ...(k === "value" ? [] : keysOf(v))]);
}

Deno.test("log --json: a device's admission shows its record with snake_case keys; the text is unchanged", async () => {
  await using h = await tempHome("mycel-log-keys-");
  const env = { MYCEL_OFFLINE: "1" };
  await h.ok(["init", "--name", "laptop"], { env });
  const [first] = await h.json<LogEntryJson[]>(["log", "--json"]);
  const op = first.ops[0] as { type: string; device: Record<string, unknown> };
  assert.equal(op.type, "device.add");
  assert.deepEqual(Object.keys(op.device).sort(), [
    "endpoints",
    "id",
    "ipv4",
    "name",
    "noise_key",
    "wg_key",
    "wg_port",
  ]);
  assert.match((await h.ok(["log"])).stdout, /laptop#1 +device add laptop \(\w{7}\)\n/);
});

Deno.test("opJson: every op's keys are snake_case at any depth, a value's keys as written", () => {
  const ops = [
    { type: "device.revoke", device: key(1), upTo: 3 },
    { type: "device.update", device: key(1), fields: { wgPort: 51820, noiseKey: "bm9pc2U=" } },
    {
      type: "folder.progress",
      folder: "docs",
      progress: { needFiles: 1, needBytes: 2, conflicts: 0, stopped: "", frontier: [[key(2), 5]] },
    },
    { type: "config.set", key: "editor", value: { tabWidth: 2 }, observed: [] },
    { type: "pattern.add", id: "p1", value: { likesDarkMode: true } },
  ] as const;
  const json = ops.map((op) => opJson(op as unknown as Parameters<typeof opJson>[0]));
  assert.deepEqual(json.flatMap(keysOf).filter((k) => /[A-Z]/.test(k)), []);
  assert.deepEqual(json[0], { type: "device.revoke", device: key(1).id, up_to: 3 });
  assert.deepEqual(json[1].fields, { wg_port: 51820, noise_key: "bm9pc2U=" });
  assert.deepEqual(json[2].progress, {
    need_files: 1,
    need_bytes: 2,
    conflicts: 0,
    stopped: "",
    frontier: [[key(2).id, 5]],
  });
  assert.deepEqual([json[3].value, json[4].value], [{ tabWidth: 2 }, { likesDarkMode: true }]);
});
