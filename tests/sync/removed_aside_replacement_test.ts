/**
 * @module removed_aside_replacement_test
 * A stolen phone's change reached only the desktop; the laptop removed the
 * phone, and a replacement was paired under the same name. The change past
 * the cut is kept aside by the devices that got it (the desktop, and the
 * laptop once the desktop passed it on); the replacement never gets it, so
 * it keeps nothing aside and must say nothing is (issue 9: no line there is
 * right). Before, the holders' `mesh list` said "phone: 1 entry kept
 * aside", which with two devices named phone reads as the replacement's
 * entries; now it names the old one by id too, as `doctor` and `log` did.
 * And `mesh remove` said later entries are "set aside on every device":
 * only on the devices that get them. Real processes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import type { MeshRowJson } from "../../src/cli/json_types.ts";
import type { Device } from "./_helpers.ts";
import { phoneAheadOfLaptop, stolenPhoneDevices } from "./_stolen_phone.ts";

Deno.test("a removed phone's entries past its cut are shown aside on the devices that hold them, named by id beside its replacement, and the replacement claims none", async () => {
  await using devs = await stolenPhoneDevices();
  const { laptop, desktop, phone, cut } = await phoneAheadOfLaptop(devs);
  const removed = (await laptop.write("mesh", "remove", "phone", "--yes")).stdout;
  assert.match(
    removed,
    /any later ones are set aside on the devices that get them\./,
  );
  await desktop.stopServer();
  await laptop.serve();
  assert.equal((await desktop.syncNow()).of(laptop).status, "synced");
  await desktop.serve();
  // The replacement: a new key, the same name.
  const fresh = await devs.add("phone");
  await devs.peer(laptop, fresh);
  await devs.peer(desktop, fresh);
  for (const peer of [laptop, desktop]) {
    assert.equal((await fresh.syncNow()).of(peer).status, "synced");
  }
  await devs.assertConverged([laptop, desktop, fresh]);

  const old = `phone \\(${phone.id.slice(0, 7)}\\)`;
  const asideOf = async (d: Device) =>
    (await d.tmp.json<MeshRowJson[]>(["mesh", "list", "--json"])).map((r) => [r.id, r.set_aside]);
  // The holders: the old phone's entry, by id beside the replacement.
  for (const d of [laptop, desktop]) {
    assert.deepEqual(
      await asideOf(d),
      (await asideOf(fresh)).map(([id]) => [
        id,
        id === phone.id ? [{ reason: "past_cut", entries: 1, seqs: [cut + 1, cut + 1] }] : [],
      ]),
      d.name,
    );
    const list = (await d.ok(["mesh", "list"])).stdout;
    assert.match(
      list,
      new RegExp(
        `^ {2}${old}: 1 entry kept aside \\(#${
          cut + 1
        }; laptop held its entries only up to #${cut} when it removed it\\)$`,
        "m",
      ),
      list,
    );
    const doctor = (await d.run(["--no-sync", "doctor"])).stdout;
    assert.match(doctor, new RegExp(`1 entry of ${old} \\(#${cut + 1}\\) kept aside: `), doctor);
  }
  // The replacement holds none of it: nothing aside, and nothing says otherwise.
  assert.ok((await asideOf(fresh)).every(([, aside]) => (aside as unknown[]).length === 0));
  const list = (await fresh.ok(["mesh", "list"])).stdout;
  assert.match(
    list,
    new RegExp(
      `^ {2}${old} was removed by laptop at .*; its entries after #${cut} are not accepted$`,
      "m",
    ),
    list,
  );
  const doctor = (await fresh.run(["--no-sync", "doctor"])).stdout;
  const log = (await fresh.ok(["log"])).stdout;
  for (const text of [list, doctor, log]) assert.doesNotMatch(text, /aside/, text);
  assert.equal((await fresh.run(["pref", "get", "theme"])).stdout.includes("stolen"), false);
});
