/**
 * @module doctor_wg_devices
 * `doctor`'s look at the private keys of WireGuard-only devices kept in the
 * home (src/storage/wg_device_keys.ts): the write that folds this device's
 * own removal of one deletes its key; one removed by another device keeps
 * it (that removal can stop counting, docs/trust.md), as does a home an
 * older mycel wrote. A key still there is a FAIL naming the device and who
 * removed it, so the owner looks; `--fix` deletes it.
 */

import { shortDeviceId } from "../log/device_id.ts";
import type { Home } from "../storage/home_handle.ts";
import { dropRemovedKeys, type LeftoverKey, removedDeviceKeys } from "../storage/wg_device_keys.ts";
import { safeText } from "../text_safety.ts";
import type { Finding } from "./doctor.ts";

const CHECK = "wg-devices";

function named(home: Home, keys: LeftoverKey[]): string {
  return keys.map((k) => {
    const by = home.view.member(k.removedBy)?.record.name || k.removedBy.short;
    return `${safeText(k.name)} (${shortDeviceId(k.id)}, removed by ${safeText(by)})`;
  }).join(", ");
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
      detail: `deleted the private keys of removed devices: ${named(home, gone)}`,
    }];
  }
  const left = await removedDeviceKeys(root, home.view);
  if (left.length === 0) return [];
  return [{
    check: CHECK,
    ok: false,
    detail: `private keys of removed WireGuard-only devices still kept here: ${named(home, left)}`,
    hint:
      "Run `mycel doctor --fix` to delete them once you know the removal stands (no config of " +
      "a removed device is printed again; a removal made on another device keeps the key here, " +
      "since removals can race and one that stops counting brings the device back; they are in " +
      `${root}/wg-devices).`,
  }];
}
