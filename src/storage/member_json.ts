/**
 * @module member_json
 * A membership row (membership.ts) as the JSON text the `members` table
 * holds: device keys as hex, everything else as is. Rows come only from our
 * own fold, but are still checked when read back, so a damaged row is named
 * instead of crashing a command.
 */

import { fromHex } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { DeviceFields } from "../log/device_record.ts";
import type { MemberRow } from "../log/membership.ts";

/** Encode a row. */
export function memberToJson(row: MemberRow): string {
  return JSON.stringify({
    a: row.added && { ...row.added, by: row.added.by.hex },
    r: row.removed && { ...row.removed, by: row.removed.by.hex },
    s: row.self,
    ...(row.witnessed === undefined ? {} : { w: row.witnessed }),
  });
}

function key(hex: unknown): DeviceKey {
  if (typeof hex !== "string" || !/^[0-9a-f]{64}$/.test(hex)) throw new Error("bad device key");
  return DeviceKey.of(fromHex(hex));
}

function witnessedOf(w: unknown): Record<string, number> {
  if (typeof w !== "object" || w === null || Array.isArray(w)) throw new Error("bad witness");
  const out: Record<string, number> = {};
  for (const [hex, seq] of Object.entries(w)) {
    key(hex);
    if (!Number.isSafeInteger(seq) || seq < 1) throw new Error("bad witness seq");
    out[hex] = seq;
  }
  return out;
}

/** Decode a row written by {@link memberToJson}. */
export function memberFromJson(text: string): MemberRow {
  try {
    const j = JSON.parse(text);
    const row: {
      added?: MemberRow["added"];
      removed?: MemberRow["removed"];
      self: MemberRow["self"];
      witnessed?: MemberRow["witnessed"];
    } = {
      self: j.s ?? {},
    };
    if (j.w !== undefined) row.witnessed = witnessedOf(j.w);
    if (j.a) {
      row.added = {
        by: key(j.a.by),
        wall: j.a.wall,
        counter: j.a.counter,
        fields: j.a.fields as DeviceFields,
        ...(j.a.contested === true ? { contested: true as const } : {}),
      };
    }
    if (j.r) row.removed = { by: key(j.r.by), wall: j.r.wall, counter: j.r.counter, cut: j.r.cut };
    return row;
  } catch (e) {
    throw new MycelError("corrupt_home", "read device membership", "a stored row is damaged", {
      value: text.slice(0, 60),
      hint: "Run `mycel repair`.",
      cause: e,
    });
  }
}
