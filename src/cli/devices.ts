/**
 * @module devices
 * Finding a device from what a person types: its name, or a prefix of its id
 * (dashes and case ignored). A name two devices share is refused with the
 * candidates listed — a member that renames itself after an honest device
 * must not make the owner act on the wrong one.
 */

import { ExitCode, MycelError } from "../errors.ts";
import { normalizeDeviceId } from "../log/device_id.ts";
import type { MemberInfo, StateView } from "../log/state.ts";

function describe(m: MemberInfo): string {
  return `${m.record.name} (${m.record.key.short}${m.removed ? ", removed" : ""})`;
}

/** Resolve `text` to one device ever admitted to the mesh. */
export function resolveDevice(state: StateView, text: string, action: string): MemberInfo {
  const all = state.members();
  const byName = all.filter((m) => m.record.name === text);
  if (byName.length === 1) return byName[0];
  const prefix = normalizeDeviceId(text);
  const byId = prefix.length >= 3
    ? all.filter((m) => normalizeDeviceId(m.record.id).startsWith(prefix))
    : [];
  const found = byName.length > 1 ? byName : byId;
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new MycelError("ambiguous_device", action, "more than one device matches", {
      value: text,
      hint: `Matches: ${found.map(describe).join(", ")}. Give (a prefix of) the id instead.`,
      exit: ExitCode.usage,
    });
  }
  throw new MycelError("no_such_device", action, "no device has this name or id", {
    value: text,
    hint: "`mycel mesh list` shows the devices.",
    exit: ExitCode.usage,
  });
}
