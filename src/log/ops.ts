/**
 * @module ops
 * The operations a log entry carries, their validation and their compact
 * wire form (`encodeOp` / `decodeOp`). Every op that arrives from a peer is
 * decoded through here, so every field is checked for type and size.
 */

import { NEWER_RELEASE } from "./newer_release.ts";
import { isJson, isJsonObject, type Json, type JsonObject } from "../crdt/json.ts";
import { asBytes, hasControlChar } from "../bytes.ts";
import { ExitCode, MycelError } from "../errors.ts";
import { DeviceKey } from "./device_key.ts";
import {
  decodeDeviceFields,
  decodeDeviceRecord,
  type DeviceFields,
  type DeviceRecord,
  encodeDeviceFields,
} from "./device_record.ts";
import { decodeFolderOp, encodeFolderOp, FOLDER_OP_TAGS, type FolderOp } from "./file_ops.ts";

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

/** Most dots one op may name. */
export const MAX_DOTS = 4096;

/** Longest key, name or id accepted (characters). */
export const MAX_KEY_LENGTH = 256;
/** Longest preference value accepted (characters). */
export const MAX_PREF_LENGTH = 65536;

const CONFIG_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function bad(what: string, reason: string, value?: string): MycelError {
  const shown = value === undefined ? undefined : JSON.stringify(value.slice(0, 80));
  return new MycelError("bad_input", `use ${what}`, reason, { value: shown, exit: ExitCode.usage });
}

/** Check a name-like string (pref key, app name, pattern id); returns it. */
export function checkName(what: string, text: unknown): string {
  if (typeof text !== "string") throw bad(what, "it must be text");
  if (text.length === 0) throw bad(what, "it is empty");
  if (text.length > MAX_KEY_LENGTH) {
    throw bad(what, `it is longer than ${MAX_KEY_LENGTH} characters`, text);
  }
  if (hasControlChar(text)) throw bad(what, "it contains a control character", text);
  if (text.trim() !== text) throw bad(what, "it starts or ends with a space", text);
  return text;
}

/** Check a dotted config key such as `editor.font.size`; returns it. */
export function checkConfigKey(text: unknown): string {
  const key = checkName("config key", text);
  if (!CONFIG_KEY.test(key)) {
    throw bad("config key", "use letters, digits, `_` or `-`, separated by dots", key);
  }
  return key;
}

/** Check a preference value; returns it. */
export function checkPrefValue(text: unknown): string {
  if (typeof text !== "string") throw bad("preference value", "it is not text");
  if (text.length > MAX_PREF_LENGTH) {
    throw bad("preference value", `it is longer than ${MAX_PREF_LENGTH} characters`);
  }
  return text;
}

/** Check a pattern: a JSON object with a non-empty string `id`; returns it. */
export function checkPattern(value: unknown): JsonObject {
  if (!isJsonObject(value)) throw bad("pattern", "it must be a JSON object");
  if (!("id" in value)) throw bad("pattern", "it has no `id` field");
  checkName("pattern id", value.id);
  return value;
}

const wireDots = (dots: readonly EntryDot[]) => {
  if (dots.length > MAX_DOTS) throw bad("change", `it names more than ${MAX_DOTS} versions`);
  return dots.map((d) => [d.author.bytes, d.seq]);
};

/** The op's tag and fields, with `observed` appended when the op has it. */
function withObserved(fields: unknown[], observed: readonly EntryDot[] | undefined): unknown[] {
  return observed === undefined ? fields : [...fields, wireDots(observed)];
}

/** Compact wire form of `op` (a CBOR-ready array). */
export function encodeOp(op: Op): unknown[] {
  // Refuse values a peer would decode differently (e.g. a `__proto__` key).
  if ((op.type === "config.set" || op.type === "pattern.add") && !isJson(op.value)) {
    throw bad(op.type === "config.set" ? "config value" : "pattern", "it is not plain JSON");
  }
  switch (op.type) {
    case "config.set":
      return withObserved(["cs", op.key, op.value], op.observed);
    case "config.unset":
      return withObserved(["cu", op.key], op.observed);
    case "pref.set":
      return withObserved(["ps", op.key, op.value], op.observed);
    case "pref.unset":
      return withObserved(["pu", op.key], op.observed);
    case "app.add":
      return ["aa", op.name];
    case "pattern.add":
      return ["oa", op.id, op.value];
    case "pattern.remove":
      return ["or", op.id, wireDots(op.dots)];
    case "device.add":
      return ["da", encodeDeviceFields(op.device), op.device.key.bytes];
    case "device.update":
      return ["du", op.device.bytes, encodeDeviceFields(op.fields)];
    case "device.revoke":
      return ["dr", op.device.bytes, op.upTo];
    case "device.retire":
      return ["dt", op.device.bytes];
    default:
      return encodeFolderOp(op);
  }
}

function keyOf(x: unknown): DeviceKey {
  const key = asBytes(x);
  if (key === undefined || key.length !== 32) throw new Error("device key must be 32 bytes");
  return DeviceKey.of(key);
}

function decodeDot(x: unknown): EntryDot {
  if (!Array.isArray(x) || x.length !== 2) throw new Error("dot must be [key, seq]");
  const seq = x[1];
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error("dot seq must be a positive integer");
  return { author: keyOf(x[0]), seq };
}

function decodeDots(x: unknown, what: string): EntryDot[] {
  if (!Array.isArray(x) || x.length > MAX_DOTS) throw new Error(`${what} malformed`);
  return x.map(decodeDot);
}

/** Decode and validate one op from its wire form; throws a plain Error on bad input. */
export function decodeOp(x: unknown): Op {
  if (!Array.isArray(x) || typeof x[0] !== "string") throw new Error("op must be [tag, ...]");
  const arity = (n: number) => {
    if (x.length !== n) throw new Error(`op ${x[0]} must have ${n - 1} fields`);
  };
  // Writes have an optional trailing list of observed versions (absent only
  // in entries written before the rule existed).
  const observed = (n: number): { observed?: EntryDot[] } => {
    if (x.length !== n && x.length !== n + 1) {
      throw new Error(`op ${x[0]} must have ${n - 1} or ${n} fields`);
    }
    return x.length === n ? {} : { observed: decodeDots(x[n], "observed versions") };
  };
  switch (x[0]) {
    case "cs": {
      const obs = observed(3);
      if (!isJson(x[2])) throw new Error("config value must be JSON");
      return { type: "config.set", key: checkConfigKey(x[1]), value: x[2], ...obs };
    }
    case "cu":
      return { type: "config.unset", key: checkConfigKey(x[1]), ...observed(2) };
    case "ps": {
      const obs = observed(3);
      return {
        type: "pref.set",
        key: checkName("preference key", x[1]),
        value: checkPrefValue(x[2]),
        ...obs,
      };
    }
    case "pu":
      return { type: "pref.unset", key: checkName("preference key", x[1]), ...observed(2) };
    case "aa":
      arity(2);
      return { type: "app.add", name: checkName("app name", x[1]) };
    case "oa": {
      arity(3);
      const value = checkPattern(x[2]);
      if (value.id !== x[1]) throw new Error("pattern id does not match its value");
      return { type: "pattern.add", id: checkName("pattern id", x[1]), value };
    }
    case "or":
      arity(3);
      return {
        type: "pattern.remove",
        id: checkName("pattern id", x[1]),
        dots: decodeDots(x[2], "pattern.remove dots"),
      };
    case "da":
      arity(3);
      return { type: "device.add", device: decodeDeviceRecord(keyOf(x[2]), x[1]) };
    case "du":
      arity(3);
      return {
        type: "device.update",
        device: keyOf(x[1]),
        fields: decodeDeviceFields(x[2], false),
      };
    case "dr": {
      arity(3);
      const upTo = x[2];
      if (!Number.isSafeInteger(upTo) || (upTo as number) < 0) {
        throw new Error("revoke upTo must be a count");
      }
      return { type: "device.revoke", device: keyOf(x[1]), upTo: upTo as number };
    }
    case "dt":
      // A marker beside a `device.revoke` of the same device in one entry:
      // the removal is a retirement (see RETIRE below).
      arity(2);
      return { type: "device.retire", device: keyOf(x[1]) };
    default:
      if (FOLDER_OP_TAGS.has(x[0])) return decodeFolderOp(x);
      throw new Error(
        `unknown op ${JSON.stringify(String(x[0]).slice(0, 16))} (${NEWER_RELEASE})`,
      );
  }
}
