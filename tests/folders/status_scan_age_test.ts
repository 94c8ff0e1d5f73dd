/**
 * @module status_scan_age_test
 * `folder status` says on this device's line when it last scanned the
 * folder ("in sync (last scan 3s ago)", `scanned_at` in `--json`): its
 * standing is as of then. Before, a file edited a moment ago, not scanned
 * yet and so on no other device, read as "in sync" with nothing to say
 * that the status was older than the edit (found walking through a week of
 * folder use, issue 13). Real processes, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";
import { soloFolder } from "./_helpers.ts";

interface Standing {
  self: boolean;
  state: string;
  reported_at: string | null;
  scanned_at: string | null;
}

Deno.test("folder status says when this device last scanned the folder, in its line and --json", async () => {
  await using h = await tempHome();
  const before = Date.now();
  const docs = await soloFolder(h);
  const after = Date.now();
  await Deno.writeTextFile(join(docs, "a.txt"), "edited, not scanned yet\n");

  const text = await h.ok(["folder", "status", "docs"]);
  assert.match(
    text.stdout,
    /^ {2}laptop \(this device\): in sync \(last scan (just now|\d+s ago)\)$/m,
  );
  const [st] = await h.json<{ devices: Standing[] }[]>(["folder", "status", "docs", "--json"]);
  const self = st.devices.find((d) => d.self)!;
  assert.equal(self.reported_at, null);
  const at = Date.parse(self.scanned_at ?? "");
  assert.ok(at >= before - 1000 && at <= after + 1000, JSON.stringify(self));

  // A scan moves it on.
  await new Promise((r) => setTimeout(r, 1100));
  await h.ok(["folder", "scan", "docs"]);
  const [again] = await h.json<{ devices: Standing[] }[]>(["folder", "status", "docs", "--json"]);
  assert.ok(Date.parse(again.devices[0].scanned_at!) > at, JSON.stringify(again.devices[0]));
});
