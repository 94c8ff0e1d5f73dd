/**
 * @module cron_marker_test
 * mycel's block in a crontab is found by exactly the marker lines
 * cronMarker writes (any interval it can write, and `# mycel: sync every 30
 * seconds` as older releases wrote it), with its job lines under it. A
 * user's own comment that only starts like one (`# mycel: sync every 30
 * seconds is too often for me`) is theirs: uninstall keeps it, and it does
 * not make `service status` or `doctor` say cron lines are installed.
 * Before, any line starting `# mycel: sync every ` was taken for a marker.
 */

import assert from "node:assert/strict";
import {
  CRON_MARKER,
  cronMarker,
  hasMycelCron,
  isCronMarker,
  withoutMycel,
} from "../../src/service/cron_marker.ts";

const JOB = "* * * * * /opt/mycel --home /h sync now --timeout 20 >/dev/null 2>&1";

Deno.test("every marker cronMarker writes is a marker, as is the one older releases wrote", () => {
  assert.equal(CRON_MARKER, "# mycel: sync every 30 seconds");
  assert.ok(isCronMarker(CRON_MARKER));
  for (const s of [1, 2, 10, 30, 59, 60, 120, 300, 1800, 3600, 7200, 43_200, 86_400, 90]) {
    assert.ok(isCronMarker(cronMarker(s)), cronMarker(s));
  }
});

Deno.test("a user's comment that only starts like mycel's marker is not one", () => {
  for (
    const line of [
      "# mycel: sync every 30 seconds is too often for me",
      "# mycel: sync every ",
      "# mycel: sync every day",
      "# mycel: sync every 30 seconds ",
      "# mycel: sync every 1 seconds", // cronMarker writes "1 second"
      "# mycel: sync every 60 seconds", // … and "1 minute"
      "# mycel: sync every 030 seconds",
      "# mycel: sync every 0 seconds",
      "#  mycel: sync every 30 seconds",
    ]
  ) {
    assert.equal(isCronMarker(line), false, line);
  }
});

Deno.test("uninstall keeps a user's comment that only starts like the marker, and the line under it", () => {
  const mine = "# mycel: sync every 30 seconds is too often for me\n" + `${JOB}\n` +
    "0 3 * * * /usr/local/bin/backup\n";
  assert.equal(withoutMycel(mine), mine);
  assert.equal(hasMycelCron(mine), false);
  // With mycel's block after it: only the block goes.
  const block = `${cronMarker(10)}\n${JOB}\n${JOB}\n`;
  assert.equal(withoutMycel(mine + block), mine);
  assert.equal(hasMycelCron(mine + block), true);
});

Deno.test("a marker with none of mycel's lines under it is no installed block", () => {
  // Left when the job lines were deleted by hand: nothing runs a round.
  assert.equal(hasMycelCron(`${CRON_MARKER}\n0 3 * * * /usr/local/bin/backup\n`), false);
  assert.equal(hasMycelCron(`${CRON_MARKER}\n`), false);
  assert.equal(hasMycelCron(`${CRON_MARKER}\n${JOB}\n`), true);
});
