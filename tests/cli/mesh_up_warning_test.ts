/**
 * `mesh up` in text mode warns about each peer it could set no endpoint for
 * (`--json` already shows `reason: "none"`): named, short id, what to do; a
 * hostile name is shown escaped; peers with an endpoint give no warning, nor
 * do WireGuard-only devices (a phone always dials in).
 */

import assert from "node:assert/strict";
import { noEndpointWarnings } from "../../src/cli/commands/mesh_wg.ts";

const PHONE = "AAAAAAA-BBBBBBB-CCCCCCC-DDDDDDD-EEEEEEE-FFFFFFF-GGGGGGG-HHHHHHH";
const SERVER = "IIIIIII-JJJJJJJ-KKKKKKK-LLLLLLL-MMMMMMM-NNNNNNN-OOOOOOO-PPPPPPP";
const EVIL = "QQQQQQQ-RRRRRRR-SSSSSSS-TTTTTTT-UUUUUUU-VVVVVVV-WWWWWWW-XXXXXXX";

Deno.test("mesh up warns once per peer without an endpoint, by name, and only for those", () => {
  const names = new Map([[PHONE, "phone"], [SERVER, "server"], [EVIL, "x\u001b[2Jy"]]);
  const warnings = noEndpointWarnings([
    { deviceId: PHONE, reason: "none" },
    { deviceId: SERVER, endpoint: "198.18.0.2:51871", reason: "first" },
    { deviceId: EVIL, reason: "none" },
  ], names);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /^no endpoint known for phone \(AAAAAAA\): its tunnel waits for it/);
  assert.match(warnings[0], /mycel sync now/);
  assert.ok(!warnings[1].includes("\u001b"), "the escape never reaches the terminal");
  assert.match(warnings[1], /\(QQQQQQQ\)/);
  assert.deepEqual(
    noEndpointWarnings([{ deviceId: SERVER, endpoint: "h:1", reason: "kept" }], names),
    [],
  );
});

Deno.test("mesh up does not warn about a WireGuard-only device, which never has an endpoint", () => {
  // A phone from `mesh export-wg` always dials in; "sync now with it" or
  // "set-endpoint on it" cannot be done, so the warning only misled.
  const names = new Map([[PHONE, "phone"], [SERVER, "server"]]);
  const warnings = noEndpointWarnings(
    [{ deviceId: PHONE, reason: "none" }, { deviceId: SERVER, reason: "none" }],
    names,
    new Set([PHONE]),
  );
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /^no endpoint known for server \(IIIIIII\)/);
});
