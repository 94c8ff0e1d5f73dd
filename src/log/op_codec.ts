/**
 * @module op_codec
 * The compact wire form of an op (`encodeOp` / `decodeOp`): a CBOR-ready
 * array `[tag, ...fields]`, writes with an optional trailing list of the
 * versions they observed. Every op that arrives from a peer is decoded
 * through here, so every field is checked for type and size (op_checks.ts);
 * the folder ops' tags are file_ops.ts's. An unknown tag is refused as
 * written by a newer release.
 */

import { NEWER_RELEASE } from "./newer_release.ts";
import { isJson } from "../crdt/json.ts";
import { asBytes } from "../bytes.ts";
import { DeviceKey } from "./device_key.ts";
import { decodeDeviceFields, decodeDeviceRecord, encodeDeviceFields } from "./device_record.ts";
import { decodeFolderOp, encodeFolderOp, FOLDER_OP_TAGS } from "./file_ops.ts";
import { bad, checkConfigKey, checkName, checkPattern, checkPrefValue } from "./op_checks.ts";
import type { EntryDot, Op } from "./op_types.ts";
import { quotedText } from "../text_safety.ts";

/** Most dots one op may name. */
export const MAX_DOTS = 4096;

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
      // the removal is a retirement (see RETIRE in op_types.ts).
      arity(2);
      return { type: "device.retire", device: keyOf(x[1]) };
    default:
      if (FOLDER_OP_TAGS.has(x[0])) return decodeFolderOp(x);
      throw new Error(
        `unknown op ${quotedText(String(x[0]).slice(0, 16))} (${NEWER_RELEASE})`,
      );
  }
}
