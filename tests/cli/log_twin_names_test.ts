/**
 * @module log_twin_names_test
 * `mycel log` tells apart two devices of one name (a device paired again
 * keeps its name under a new key, and the removed one's history stays; or
 * two machines simply named alike): each line names the author with its
 * short id, as `mesh list` does. Before, found by an exploration helper,
 * "laptop#2" and "laptop#1" read as one device's history. A name no other
 * device has stays bare; `--json` keeps the plain name beside the id. Real
 * processes on loopback.
 */

import assert from "node:assert/strict";
import type { LogEntryJson } from "../helpers/mycel.ts";
import { devices } from "../sync/_helpers.ts";

Deno.test("log names each of two devices sharing a name with its short id; a unique name stays bare", async () => {
  await using devs = await devices(["laptop", "desk", "laptop"]);
  const [a, desk, b] = devs.list;
  await devs.peer(a, b);
  await devs.peer(a, desk);
  await a.write("pref", "set", "theme", "dark");
  await b.write("pref", "set", "theme", "light");
  await desk.write("app", "add", "git");
  await a.serve();
  await b.syncNow();
  await desk.syncNow();
  await b.syncNow();
  const text = (await b.ok(["log"])).stdout;
  const short = (id: string) => id.slice(0, 7);
  assert.match(text, new RegExp(`  laptop \\(${short(a.id)}\\)#\\d+ +pref theme = dark$`, "m"));
  assert.match(text, new RegExp(`  laptop \\(${short(b.id)}\\)#\\d+ +pref theme = light$`, "m"));
  assert.match(text, / {2}desk#\d+ +app add git$/m);
  assert.doesNotMatch(text, / {2}laptop#/);
  const json = await b.tmp.json<LogEntryJson[]>(["log", "--json"]);
  assert.ok(json.filter((e) => e.name === "laptop").length >= 2, "--json keeps the plain name");
});
