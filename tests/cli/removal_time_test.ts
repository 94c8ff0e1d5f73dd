/**
 * @module removal_time_test
 * A peer's removal refusal shown in local time (sync now's per-peer line,
 * status's last answer): only the time after "at" is rewritten, never the
 * same characters elsewhere, such as in the remover's name (a peer's text).
 */

import assert from "node:assert/strict";
import { localTime } from "../../src/human.ts";
import { refusalInLocalTime } from "../../src/cli/removal.ts";

Deno.test("a removal refusal's time is shown in local time where it stands, the remover's name untouched", () => {
  const iso = "2026-12-07T04:00:00.000Z";
  const local = localTime(Date.parse(iso));
  const plain = `refused: this device was removed from the mesh by alpha at ${iso}; pair it again`;
  assert.equal(
    refusalInLocalTime(plain),
    `refused: this device was removed from the mesh by alpha at ${local}; pair it again`,
  );
  // A remover named with the very time: before, its name was rewritten and
  // the time left in UTC.
  const named = `refused: this device was removed from the mesh by ${iso} at ${iso}; pair it again`;
  assert.equal(
    refusalInLocalTime(named),
    `refused: this device was removed from the mesh by ${iso} at ${local}; pair it again`,
  );
  assert.equal(refusalInLocalTime("refused: something else"), "refused: something else");
});
