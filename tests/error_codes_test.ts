/**
 * @module error_codes_test
 * The closed set of error codes (src/error_codes.ts): every code is well
 * formed and means something of its own, every code the sources raise is in
 * the set and every code in the set is raised somewhere, the documented codes
 * are real, and what a peer sends maps into the set.
 */

import assert from "node:assert/strict";
import {
  ERROR_CODES,
  isErrorCode,
  knownCode,
  PAIRING_REFUSALS,
  pairingRefusalCode,
  peerCode,
  WIRE_CODES,
} from "../src/error_codes.ts";
import { ExitCode, interruptedError, MycelError, usageError } from "../src/errors.ts";
import { captureOutput } from "../src/cli/output.ts";
import { reportError } from "../main.ts";

const ROOT = new URL("../", import.meta.url);
const CODES = Object.keys(ERROR_CODES);

/** Text of every .ts file under src/ (but error_codes.ts) and of main.ts. */
async function sources(): Promise<string> {
  const texts: string[] = [await Deno.readTextFile(new URL("main.ts", ROOT))];
  async function walk(dir: URL): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".ts") && e.name !== "error_codes.ts") {
        texts.push(await Deno.readTextFile(new URL(e.name, dir)));
      }
    }
  }
  await walk(new URL("src/", ROOT));
  return texts.join("\n");
}

Deno.test("every error code is snake_case, fits the wire, and has a meaning of its own", () => {
  const all = [...CODES, ...Object.keys(WIRE_CODES)];
  assert.equal(new Set(all).size, all.length, "a code is both local and wire-only");
  for (const code of all) {
    assert.match(code, /^[a-z][a-z0-9_]*$/, code);
    // A device that could not store what it was sent tells its peer its own code.
    assert.match(code, /^[a-z_]{1,64}$/, `${code} does not fit a sync error message`);
  }
  const meanings = Object.values({ ...ERROR_CODES, ...WIRE_CODES });
  for (const [code, meaning] of Object.entries(ERROR_CODES)) {
    assert.ok(meaning.length > 10, `${code} has no meaning`);
  }
  // Two codes with one meaning are one code twice.
  assert.equal(new Set(meanings).size, meanings.length, "two codes share a meaning");
});

Deno.test("every code in the set is raised somewhere, and every raised literal is in the set", async () => {
  const text = await sources();
  const quoted = new Set([...text.matchAll(/"([a-z][a-z0-9_]*)"/g)].map((m) => m[1]));
  // Made from a pairing refusal (pairing_joiner.ts) or an inviter's end (pair_invite.ts).
  const made = new Set(PAIRING_REFUSALS.map((r) => `pairing_${r}`));
  const unraised = CODES.filter((c) => !quoted.has(c) && !made.has(c));
  assert.deepEqual(unraised, [], "codes nothing raises");
  const raised = [...text.matchAll(/new MycelError\(\s*"([^"]+)"/g)].map((m) => m[1]);
  assert.ok(raised.length > 200, String(raised.length));
  assert.deepEqual(raised.filter((c) => !isErrorCode(c)), []);
});

Deno.test("every code the docs' error-code tables name is a code mycel raises", async () => {
  const doc = await Deno.readTextFile(new URL("docs/sync_protocol.md", ROOT));
  const table = doc.slice(
    doc.indexOf("## Error codes"),
    doc.indexOf("\n## ", doc.indexOf("## Error codes") + 1),
  );
  const named = [...table.matchAll(/^\| `([a-z_<>]+)`/gm)].map((m) => m[1]);
  assert.ok(named.length >= 10, table);
  for (const code of named) {
    assert.ok(code === "peer_<code>" || isErrorCode(code), `${code} is documented but not a code`);
  }
});

Deno.test("a peer's code maps into the set: known codes as peer_<code>, others as peer_error", () => {
  assert.equal(peerCode("disk_full"), "peer_disk_full");
  assert.equal(peerCode("not_shared"), "peer_not_shared");
  assert.equal(peerCode("handshake_check"), "peer_handshake_check");
  for (const odd of ["constructor", "__proto__", "peer_busy", "brand_new_code"]) {
    assert.equal(peerCode(odd), "peer_error", odd);
  }
  assert.equal(knownCode("removed"), "removed");
  assert.equal(knownCode("not_accepted"), "not_accepted");
  assert.equal(knownCode("brand_new_code"), "peer_error");
  assert.ok(isErrorCode("peer_disk_full") && !isErrorCode("peer_peer_busy"));
});

Deno.test("every pairing refusal is its own pairing_<refusal> code, an unknown one pairing_failed", () => {
  for (const r of PAIRING_REFUSALS) {
    assert.match(r, /^[a-z_]{1,32}$/, "the refusal decoder takes it");
    assert.equal(pairingRefusalCode(r), `pairing_${r}`);
    assert.ok(Object.hasOwn(ERROR_CODES, `pairing_${r}`), r);
  }
  assert.equal(pairingRefusalCode("revoked"), "pairing_revoked");
  assert.equal(pairingRefusalCode("constructor"), "pairing_failed");
});

Deno.test("main.ts gives every error a code of the set and its exit code, MycelError or not", () => {
  const cases: [unknown, string, number][] = [
    [new MycelError("disk_full", "write file", "the disk is full"), "disk_full", ExitCode.failure],
    [usageError("use --port", "it must be 1–65535"), "usage", ExitCode.usage],
    [interruptedError("scan folder"), "sync_interrupted", ExitCode.interrupted],
    [new Deno.errors.PermissionDenied("open /x"), "permission_denied", ExitCode.failure],
    [new TypeError("x is undefined"), "internal", ExitCode.failure],
  ];
  for (const [e, code, exit] of cases) {
    const out = captureOutput();
    assert.equal(reportError(out, e, false, true), exit, code);
    const printed = JSON.parse(out.stderr.join("")).error.code;
    assert.equal(printed, code);
    assert.ok(isErrorCode(printed), printed);
  }
});
