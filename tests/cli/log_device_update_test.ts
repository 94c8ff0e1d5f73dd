/**
 * @module log_device_update_test
 * `mycel log` says what a device's update of its own record set, with the
 * new values: a rename gives the new name, `mesh set-endpoint` the
 * endpoints. Before, the line listed the record's field names only
 * ("device update laptop: name", "…: ipv4, wgPort"), so the log of a rename
 * did not say what the device was renamed to. Real processes, offline.
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("log shows a device update's new values: the new name, the endpoints", async () => {
  await using h = await tempHome("mycel-log-update-");
  const env = { MYCEL_OFFLINE: "1" };
  await h.ok(["init", "--name", "laptop"], { env });
  await h.ok(["mesh", "rename", "work-laptop"], { env });
  await h.ok(["mesh", "set-endpoint", "192.0.2.7:7850", "[2001:db8::7]:7850"], { env });
  const text = (await h.ok(["log", "--limit", "2"])).stdout;
  assert.match(
    text,
    / {2}device update work-laptop: endpoints → 192\.0\.2\.7:7850, \[2001:db8::7\]:7850\n/,
    text,
  );
  assert.match(text, / {2}device update work-laptop: name → work-laptop\n/, text);
});
