/**
 * @module _stolen_phone
 * The start the stolen-phone tests share: laptop, desktop and phone meshed
 * over 127.0.0.1 and synced, then a change of the phone that reaches the
 * desktop only (the laptop's server is stopped), so that the laptop's
 * removal of the phone cuts it below that change.
 */

import assert from "node:assert/strict";
import { type Device, type Devices, devices } from "./_helpers.ts";

/** The three devices, and the phone's last seq all three hold (the cut the laptop's removal names). */
export interface StolenPhone {
  laptop: Device;
  desktop: Device;
  phone: Device;
  cut: number;
}

/** See the module comment: `devs` made by {@link stolenPhoneDevices}. */
export async function phoneAheadOfLaptop(devs: Devices): Promise<StolenPhone> {
  const [laptop, desktop, phone] = devs.list;
  await devs.peer(laptop, desktop);
  await devs.peer(laptop, phone);
  await devs.peer(desktop, phone);
  await laptop.serve();
  await desktop.serve();
  for (const d of [phone, desktop, laptop]) assert.notEqual((await d.syncNow()).result.code, 1);
  await devs.assertConverged();
  const cut = (await phone.status()).log.heads[phone.id].seq;
  // The phone's change reaches the desktop only; then the laptop removes the phone.
  await laptop.stopServer();
  await phone.write("pref", "set", "theme", "stolen");
  assert.equal((await phone.syncNow()).of(desktop).status, "synced");
  return { laptop, desktop, phone, cut };
}

/** The three devices, for `await using` before {@link phoneAheadOfLaptop} (disposed however it ends). */
export function stolenPhoneDevices(): Promise<Devices> {
  return devices(["laptop", "desktop", "phone"]);
}
