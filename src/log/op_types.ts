/**
 * @module op_types
 * The operations a log entry carries ({@link Op}) and how a write names the
 * versions it replaces ({@link EntryDot}). Types only: their wire form is
 * op_codec.ts, their fields' rules op_checks.ts. Apart from ops.ts, the
 * path the rest of mycel imports them from, because ops.ts re-exports the
 * codec, which needs them: there they would make an import cycle.
 */

import type { Json, JsonObject } from "../crdt/json.ts";
import type { DeviceKey } from "./device_key.ts";
import type { DeviceFields, DeviceRecord } from "./device_record.ts";
import type { FolderOp } from "./file_ops.ts";

/** An entry's position: `(author, seq)`. Writes name the versions they replace by it. */
export interface EntryDot {
  /** The entry's author. */
  readonly author: DeviceKey;
  /** Its seq in the author's log. */
  readonly seq: number;
}

/**
 * One change. An entry holds one or more, applied in order. A set or unset
 * lists in `observed` the versions of the key its device showed (and so
 * replaces); entries from before this rule existed have no `observed` and
 * order by stamp alone (see src/crdt/dotted.ts).
 */
export type Op =
  | { type: "config.set"; key: string; value: Json; observed?: EntryDot[] }
  | { type: "config.unset"; key: string; observed?: EntryDot[] }
  | { type: "pref.set"; key: string; value: string; observed?: EntryDot[] }
  | { type: "pref.unset"; key: string; observed?: EntryDot[] }
  | { type: "app.add"; name: string }
  | { type: "pattern.add"; id: string; value: JsonObject }
  | { type: "pattern.remove"; id: string; dots: EntryDot[] }
  | { type: "device.add"; device: DeviceRecord }
  | { type: "device.update"; device: DeviceKey; fields: Partial<DeviceFields> }
  | { type: "device.revoke"; device: DeviceKey; upTo: number }
  | { type: "device.retire"; device: DeviceKey }
  // Synced folders: codec in file_ops.ts, fold in folder_state.ts.
  | FolderOp;

/*
 * RETIRE: `mycel mesh retire` commits one entry holding `device.revoke`
 * (the removal itself: permanent, cut at `upTo`, folded like any removal)
 * and `device.retire` of the same device, which says why: the machine is
 * gone for good, not suspected. The marker changes no state today; the
 * membership rules may keep it beside the removal (a `retired` flag, joined
 * by OR) so every device can say "retired" instead of "removed".
 */
