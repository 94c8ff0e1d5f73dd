/**
 * @module scan_stop_line_test
 * `folder scan` of a folder whose marker went says where the folder is once,
 * as `sync now` does ("folder docs at /x stopped: marker missing — …"), and
 * its `--json` gives the same reason `folder status --json` gives: before,
 * the scan kept the error's whole message, the root again at its end
 * ("… or the folder moved? (/x)"). Real processes and files.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";

const MISSING = "folder stopped: marker missing — disk not mounted, or the folder moved?";

Deno.test("folder scan names a stopped folder's path once, and its --json reason is status's", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const root = h.path("docs");
  await Deno.mkdir(root);
  await h.ok(["--no-sync", "folder", "add", root, "--id", "docs"]);
  await Deno.remove(`${root}/.mycel-folder`);

  const scan = await h.run(["folder", "scan", "docs"]);
  assert.equal(scan.code, 1, describe(["folder", "scan"], scan));
  assert.equal(
    scan.stderr.split("\n")[0],
    `folder docs at ${root} stopped: ${MISSING.replace("folder stopped: ", "")}`,
  );
  const js = await h.run(["folder", "scan", "docs", "--json"]);
  assert.equal(js.code, 1, describe(["folder", "scan", "--json"], js));
  const [j] = JSON.parse(js.stdout) as { stopped: string }[];
  assert.equal(j.stopped, MISSING);
  const [st] = await h.json<{ devices: { self: boolean; stopped: string | null }[] }[]>(
    ["folder", "status", "docs", "--json"],
  );
  assert.equal(st.devices.find((d) => d.self)?.stopped, MISSING);
});
