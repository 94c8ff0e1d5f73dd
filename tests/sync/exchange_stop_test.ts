import assert from "node:assert/strict";
import { MycelError } from "../../src/errors.ts";
import { decodeSyncMessage, encodeSyncMessage } from "../../src/protocol/sync_messages.ts";
import { isPeerText, MAX_ERROR_TEXT } from "../../src/protocol/sync_fields.ts";
import { peerStopped, storeFailure } from "../../src/sync/exchange_stop.ts";

Deno.test("what we tell a peer we could not store is safe, bounded text it accepts", () => {
  const e = new MycelError(
    "disk_full",
    "take in entries",
    `the disk\x1b[2J is full ${"x".repeat(900)}`,
  );
  const told = storeFailure(e);
  assert.equal(told.code, "disk_full");
  assert.ok(told.message.length <= MAX_ERROR_TEXT, String(told.message.length));
  assert.ok(isPeerText(told.message, MAX_ERROR_TEXT), told.message);
  const back = decodeSyncMessage(encodeSyncMessage({ type: "error", ...told }));
  assert.deepEqual(back, { type: "error", ...told });
  assert.deepEqual(storeFailure(new Error("boom")), {
    code: "store_failed",
    message: "could not store what you sent: an error",
  });
});

Deno.test("a peer that could not store what we sent is told in our words, with its code", () => {
  const full = peerStopped("disk_full", "anything the peer says");
  assert.equal(full.code, "peer_disk_full");
  assert.match(full.message, /: its disk is full \(it could not store what we sent\)$/);
  assert.doesNotMatch(full.message, /anything the peer says/);
  assert.ok(full.hint);
  const other = peerStopped("checkpoint_refused", "its own words");
  assert.equal(other.code, "peer_checkpoint_refused");
  assert.match(other.message, /the peer stopped: its own words$/);
});

Deno.test("a peer's code this mycel does not know is peer_error naming it, never a new code", () => {
  for (const code of ["constructor", "made_up_by_a_newer_mycel", "peer_busy"]) {
    const e = peerStopped(code, "its own words");
    assert.equal(e.code, "peer_error", code);
    assert.match(e.message, /the peer stopped: its own words \(([a-z_]+)\)$/);
    assert.equal(e.value, code);
  }
});
