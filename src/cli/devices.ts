/**
 * @module devices
 * Finding a device from what a person types: its name, or a prefix of its id
 * (dashes and case ignored, at least 3 characters). Names are chosen by each
 * device for itself, so a member can take another's name: when the text
 * matches more than one device — two names, or a name and another device's
 * id prefix — nothing is picked, and the error lists every candidate (name,
 * short id, last seen) so the person can give the id instead.
 */

import { ExitCode, MycelError } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { normalizeDeviceId, shortDeviceId } from "../log/device_id.ts";
import type { MemberInfo, StateView } from "../log/state.ts";
import { safeText } from "../text_safety.ts";
import { ago } from "../human.ts";

/** When each device was last seen (ms), for listing candidates. */
export interface SeenLookup {
  /** Last time (ms) a device was heard from, or undefined/0 for never. */
  lastSeen: (key: DeviceKey) => number | undefined;
  /** Current time (ms). */
  now: number;
  /** This device: its line says so (another member may have taken its name). */
  self?: DeviceKey;
}

/** Every device `text` could mean, by name or by id prefix. */
export function matchDevices(state: StateView, text: string): MemberInfo[] {
  const prefix = normalizeDeviceId(text);
  return state.members().filter((m) =>
    m.record.name === text ||
    (prefix.length >= 3 && normalizeDeviceId(m.record.id).startsWith(prefix))
  );
}

/** One candidate line: `laptop  ABCDEFG  last seen 3m ago`, or `laptop  ABCDEFG  this device`. */
export function candidateLine(m: MemberInfo, seen?: SeenLookup): string {
  const last = seen === undefined
    ? ""
    : m.record.key === seen.self
    ? "  this device"
    : `  last seen ${ago(seen.lastSeen(m.record.key), seen.now)}`;
  const removed = m.removed ? "  (removed)" : "";
  return `  ${safeText(m.record.name || "(no name)")}  ${m.record.key.short}${last}${removed}`;
}

/**
 * Resolve `text` to one device ever admitted to the mesh. With `live`, a
 * name shared with removed devices means the one still in the mesh (a
 * device re-paired under its old name is not ambiguous for `mesh remove`).
 */
export function resolveDevice(
  state: StateView,
  text: string,
  action: string,
  seen?: SeenLookup,
  live = false,
): MemberInfo {
  const found = matchDevices(state, text);
  if (found.length === 1) return found[0];
  // Only when every match is by name: an id prefix that also matches means
  // what it says, and stays ambiguous.
  const current = found.filter((m) => m.removed === undefined);
  const byName = found.every((m) => m.record.name === text);
  if (live && byName && found.length > 1 && current.length === 1) return current[0];
  if (found.length > 1) {
    throw new MycelError("ambiguous_device", action, "more than one device matches", {
      value: safeText(text),
      hint: `These devices match:\n${found.map((m) => candidateLine(m, seen)).join("\n")}\n` +
        "Give the id (or enough of it) of the one you mean.",
      exit: ExitCode.usage,
    });
  }
  const short = normalizeDeviceId(text).length < 3;
  throw new MycelError("no_such_device", action, "no device has this name or id", {
    value: safeText(text),
    hint: (short ? "An id prefix needs at least 3 characters. " : "") +
      "`mycel mesh list` shows the devices.",
    exit: ExitCode.usage,
  });
}

/**
 * The note for a device just admitted under a name another live member has
 * (pairing, `mesh add-peer`): every later `mesh remove NAME` will ask which,
 * so say it now. Undefined when the name is its own.
 */
export function twinNameNote(state: StateView, name: string, key: DeviceKey): string | undefined {
  const twins = state.members().filter((m) =>
    m.removed === undefined && m.record.name === name && m.record.key.hex !== key.hex
  ).map((m) => m.record.key.short);
  if (twins.length === 0) return undefined;
  return `note: another device of the mesh is also called ${safeText(name)} (${
    twins.join(", ")
  }): commands that take a device will ask which (give an id; \`mycel mesh list\` shows them), ` +
    "or give one of them another name: `mycel mesh rename NAME` on it";
}

/**
 * How a line of text names each device: its name, and its short id after it
 * when another device still in the mesh has the same name (names are each
 * device's own choice: `devb unreachable` must say which devb). A removed
 * device is told from a live namesake too (a stolen phone's entries kept
 * aside, beside its replacement paired again under its name, read as the
 * replacement's otherwise); live devices are not from removed ones. An
 * unnamed device shows its short id. Peer text: escaped here.
 */
export function deviceLabels(state: StateView): (id: string) => string {
  const byId = new Map(state.members().map((m) => [m.record.id, m.record]));
  const counts = new Map<string, number>();
  for (const m of state.members()) {
    if (m.removed === undefined) counts.set(m.record.name, (counts.get(m.record.name) ?? 0) + 1);
  }
  const live = new Set(
    state.members().filter((m) => m.removed === undefined).map((m) => m.record.id),
  );
  return (id) => {
    const r = byId.get(id);
    const short = shortDeviceId(id);
    if (r === undefined || r.name === "") return short;
    // Live devices of its name other than itself.
    const others = (counts.get(r.name) ?? 0) - (live.has(id) ? 1 : 0);
    return others > 0 ? `${safeText(r.name)} (${short})` : safeText(r.name);
  };
}
