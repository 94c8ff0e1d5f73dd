/**
 * @module removed_aside_text_test
 * A stolen phone's change that reached only the desktop before the laptop
 * removed the phone: the change was written before the removal, and the
 * laptop never held it, so it sits past the cut. `mesh list` and `doctor`
 * on the desktop must say that (the cut, and who held what when removing),
 * not that it was "written after the removal", which is false here. Real
 * processes on 127.0.0.1 (found walking through a stolen phone, H113).
 * `mesh remove` itself says which of the phone's changes stay (#1 to the
 * laptop's head of it) and how to replace it, in text and in JSON.
 */

import assert from "node:assert/strict";
import { phoneAheadOfLaptop, stolenPhoneDevices } from "./_stolen_phone.ts";

Deno.test("a stolen phone removed: the removal says which of its changes stay, and an entry the remover never held is said to be past its cut, not written after the removal", async () => {
  await using devs = await stolenPhoneDevices();
  const { laptop, desktop, phone, cut } = await phoneAheadOfLaptop(devs);
  // The removal says what of the phone stays (all the laptop holds) and how to replace it.
  const dry = await laptop.tmp.json<{ status: string; keeps_up_to: number }>(
    ["--no-sync", "mesh", "remove", "phone", "--dry-run", "--json"],
  );
  assert.deepEqual([dry.status, dry.keeps_up_to], ["would_remove", cut]);
  const removed = (await laptop.write("mesh", "remove", "phone", "--yes")).stdout;
  assert.equal(
    removed,
    `removed phone (${phone.id})\nkeeps its changes up to #${cut} (all this device holds of ` +
      "it); any later ones are set aside on the devices that get them. To replace it, pair the new device: " +
      "`mycel mesh add-device`\n",
  );
  await desktop.stopServer();
  await laptop.serve();
  assert.equal((await desktop.syncNow()).of(laptop).status, "synced");

  const rows = await desktop.tmp.json<
    { name: string; set_aside: { reason: string; seqs: number[] }[] }[]
  >(["mesh", "list", "--json"]);
  const aside = rows.find((r) => r.name === "phone")!.set_aside;
  assert.deepEqual(aside, [{ reason: "past_cut", entries: 1, seqs: [cut + 1, cut + 1] }]);
  const list = (await desktop.ok(["mesh", "list"])).stdout;
  assert.match(
    list,
    new RegExp(
      `^ {2}phone: 1 entry kept aside \\(#${
        cut + 1
      }; laptop held its entries only up to #${cut} when it removed it\\)$`,
      "m",
    ),
    list,
  );
  const doctor = (await desktop.run(["doctor"])).stdout;
  assert.match(
    doctor,
    new RegExp(
      `1 entry of phone \\(#${
        cut + 1
      }\\) kept aside: laptop held its entries only up to #${cut} when it removed it$`,
      "m",
    ),
    doctor,
  );
  for (const text of [list, doctor]) assert.doesNotMatch(text, /written after/);
});
