/**
 * @module set_endpoint_test
 * `mesh set-endpoint`: endpoints given are pinned (kept while the machine's
 * addresses change, each round adding the current ones after them); `--auto`
 * forgets them and goes back to the machine's addresses only — before, found
 * by an exploration helper, a pinned endpoint could only be replaced by
 * another pinned one. Giving both, or neither, is a usage error that changes
 * nothing. Real processes; the machine's addresses come from MYCEL_ADDRESSES.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";

Deno.test("mesh set-endpoint pins endpoints; --auto goes back to this machine's addresses", async () => {
  await using h = await tempHome();
  const here = { env: { MYCEL_ADDRESSES: "198.18.7.7" } };
  const endpoints = async () =>
    (await h.json<{ device: { endpoints: string[] } }>(["status", "--json"])).device.endpoints;
  await h.ok(["init", "--name", "box", "--listen", "198.18.7.7:7850"], here);
  await h.ok(["mesh", "set-endpoint", "203.0.113.9:7850"], here);
  assert.deepEqual(await endpoints(), ["203.0.113.9:7850"]);
  // A round keeps the pinned one and adds the machine's current address after it.
  await h.ok(["sync", "now"], here);
  assert.deepEqual(await endpoints(), ["203.0.113.9:7850", "198.18.7.7:7850"]);

  const auto = await h.ok(["mesh", "set-endpoint", "--auto", "--json"], here);
  assert.deepEqual(JSON.parse(auto.stdout), { endpoints: ["198.18.7.7:7850"] });
  assert.deepEqual(await endpoints(), ["198.18.7.7:7850"], "the pinned one is gone");
  // And it stays gone: the next round follows the addresses only.
  await h.ok(["sync", "now"], { env: { MYCEL_ADDRESSES: "198.18.7.8" } });
  assert.deepEqual(await endpoints(), ["198.18.7.8:7850"]);

  for (const args of [["mesh", "set-endpoint"], ["mesh", "set-endpoint", "--auto", "1.2.3.4:5"]]) {
    const r = await h.run(args, here);
    assert.equal(r.code, 2, describe(args, r));
    assert.match(
      r.stderr,
      /Cannot set endpoints: give HOST:PORT endpoints, or --auto \(not both\)/,
    );
  }
  assert.deepEqual(await endpoints(), ["198.18.7.8:7850"], "unchanged by the refusals");
});

Deno.test("mesh set-endpoint --auto on a machine with no address says no peer can reach it, and how to give one", async () => {
  await using h = await tempHome();
  await h.ok(["--no-sync", "init", "--name", "box"]);
  const r = await h.ok(["--no-sync", "mesh", "set-endpoint", "--auto"], {
    env: { MYCEL_ADDRESSES: "" },
  });
  assert.equal(r.stdout, "endpoints: none\n");
  assert.match(
    r.stderr,
    /^note: no device can reach this one until it has an endpoint: .*`mycel mesh set-endpoint HOST:PORT`/m,
  );
  const json = await h.json(["--no-sync", "mesh", "set-endpoint", "--auto", "--json"], {
    env: { MYCEL_ADDRESSES: "" },
  });
  assert.deepEqual(json, { endpoints: [] });
});
