/**
 * What looking at a folder's marker finds, and what a stop for it says: a
 * marker that is missing, one this user may not look at, and one the file
 * system fails to show (here a loop of symbolic links; a network or FUSE
 * mount gone behaves the same way) — the last neither "missing" nor "let
 * this user in" (a review).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertMarker,
  MARKER_MISSING,
  MARKER_UNREACHABLE_HINT,
  markerLook,
  markerStop,
} from "../../src/files/folder_marker.ts";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { isMycelError } from "../../src/errors.ts";
import { stoppedError, stoppedHints } from "../../src/cli/folder_stopped.ts";

Deno.test("a marker present, missing, or behind a loop of links: each said as what it is", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ok = join(dir, "ok");
    await Deno.mkdir(ok);
    await Deno.writeTextFile(join(ok, MARKER_NAME), "mycel folder docs\n");
    assert.equal(markerLook(ok), "present");
    assert.equal(markerStop(ok), undefined);

    const empty = join(dir, "ignored-empty"); // "ignore" in a path is no ignore file
    await Deno.mkdir(empty);
    assert.equal(markerLook(empty), "missing");
    assert.equal(markerStop(empty), MARKER_MISSING);

    const loop = join(dir, "ignored-loop");
    await Deno.symlink(loop, loop);
    assert.deepEqual(markerLook(loop), {
      problem: "a loop of symbolic links on its path",
      denied: false,
    });
    assert.equal(
      markerStop(loop),
      "folder stopped: its marker can't be read (a loop of symbolic links on its path)",
    );
    assert.throws(
      () => assertMarker(loop, "scan folder"),
      (e: unknown) =>
        isMycelError(e, "folder_stopped") &&
        (e as { hint?: string }).hint === MARKER_UNREACHABLE_HINT &&
        !(e as Error).message.includes("os error"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a marker's stop is folder_stopped with its own hint, whatever its path holds", () => {
  const e = stoppedError(
    [{ folder: "docs", stopped: `${MARKER_MISSING} (/home/me/ignored/docs)` }],
    "scan folder",
  );
  assert.equal(e.code, "folder_stopped");
  assert.doesNotMatch(e.hint ?? "", /ignore file/);
  assert.deepEqual(stoppedHints("docs", "folder stopped: its marker can't be read (x)"), [
    MARKER_UNREACHABLE_HINT,
  ]);
  assert.equal(
    stoppedError([{ folder: "d", stopped: ".mycelignore is not UTF-8 text" }], "x").code,
    "bad_ignore_file",
  );
});
