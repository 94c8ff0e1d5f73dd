/**
 * @module doctor_wg_devices
 * `doctor`'s look at the private keys of WireGuard-only devices kept in the
 * home (src/storage/wg_device_keys.ts): a removed device's key should be
 * gone (any write of the home deletes it), so one still there — left by a
 * version of mycel before that, or by a write whose cleanup failed — is a
 * FAIL naming the device; `--fix` deletes it as a write would.
 */

import { shortDeviceId } from "../log/device_id.ts";
import type { Home } from "../storage/home_handle.ts";
import { dropRemovedKeys, removedDeviceKeys } from "../storage/wg_device_keys.ts";
import { safeText } from "../text_safety.ts";
import type { Finding } from "./doctor.ts";

const CHECK = "wg-devices";

function named(keys: { id: string; name: string }[]): string {
  return keys.map((k) => `${safeText(k.name)} (${shortDeviceId(k.id)})`).join(", ");
}

/** Kept keys of removed devices: none is no finding (most homes have no phone). */
export async function checkRemovedDeviceKeys(home: Home, fix: boolean): Promise<Finding[]> {
  const root = home.paths.root;
  if (fix) {
    const gone = await dropRemovedKeys(root, home.view);
    if (gone.length === 0) return [];
    return [{
      check: CHECK,
      ok: true,
      detail: `deleted the private keys of removed devices: ${named(gone)}`,
    }];
  }
  const left = await removedDeviceKeys(root, home.view);
  if (left.length === 0) return [];
  return [{
    check: CHECK,
    ok: false,
    detail: `private keys of removed WireGuard-only devices still kept here: ${named(left)}`,
    hint: "Run `mycel doctor --fix` to delete them (no config of a removed device is printed " +
      `again; they are in ${root}/wg-devices).`,
  }];
}
