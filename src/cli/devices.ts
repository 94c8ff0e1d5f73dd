/**
 * @module devices
 * Finding a device from what a person types: its name, or a prefix of its id
 * (dashes and case ignored).
 */

import { ExitCode, MycelError } from "../errors.ts";
import { type DeviceId, normalizeDeviceId, shortDeviceId } from "../log/device_id.ts";
import type { MeshState } from "../log/state.ts";

/** Resolve `text` to one device ever admitted to the mesh. */
export function resolveDevice(state: MeshState, text: string, action: string): DeviceId {
  const all = state.allDevices();
  const byName = all.filter((d) => d.name === text);
  if (byName.length === 1) return byName[0].id;
  const prefix = normalizeDeviceId(text);
  const byId = prefix.length >= 3
    ? all.filter((d) => normalizeDeviceId(d.id).startsWith(prefix))
    : [];
  const found = byName.length > 1 ? byName : byId;
  if (found.length === 1) return found[0].id;
  if (found.length > 1) {
    throw new MycelError("ambiguous_device", action, "more than one device matches", {
      value: text,
      hint: `Matches: ${
        found.map((d) => `${d.name} (${shortDeviceId(d.id)})`).join(", ")
      }. Give more of the id.`,
      exit: ExitCode.usage,
    });
  }
  throw new MycelError("no_such_device", action, "no device has this name or id", {
    value: text,
    hint: "`mycel mesh list` shows the devices.",
    exit: ExitCode.usage,
  });
}
