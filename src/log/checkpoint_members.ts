/**
 * @module checkpoint_members
 * The member part of a checkpoint (checkpoint.ts): one row per device —
 * `[key, admission | null, removal | null, self fields, witness?]` — device
 * keys named by index in the checkpoint's author table. Later additions are
 * trailing elements left out when they carry nothing (an admission's
 * `contested` mark, a row's witness), so an honest state of a device that
 * never had them reads as an earlier release wrote it. Decoding checks each
 * value and refuses what the encoder would never write. Apart from the
 * envelope and the keyspaces because its compatibility rules are its own.
 */

import type { DeviceKey } from "./device_key.ts";
import { decodeDeviceFields, type DeviceFields, encodeDeviceFields } from "./device_record.ts";
import type { Admission, MemberRow, Removal, SelfField } from "./membership.ts";
import { bad, count, list, MAX_AUTHORS } from "./checkpoint_format.ts";

/** A witness as `[[author index, seq], ...]` by key, in a list of one; none when empty. */
function witnessWire(
  w: MemberRow["witnessed"],
  index: (hex: string) => number,
): unknown[][] {
  const pairs = Object.entries(w ?? {}).sort(([x], [y]) => (x < y ? -1 : 1));
  return pairs.length === 0 ? [] : [pairs.map(([hex, seq]) => [index(hex), seq])];
}

/** The member rows' wire form; `author` gives a device's index in the author table. */
export function encodeMembers(
  rows: readonly [DeviceKey, MemberRow][],
  author: (hex: string, bytes?: Uint8Array) => number,
): unknown[] {
  return rows.map(([key, row]) => [
    author(key.hex, key.bytes),
    row.added
      ? [
        author(row.added.by.hex),
        row.added.wall,
        row.added.counter,
        encodeDeviceFields(row.added.fields),
        // Contested (membership.ts): a 5th element, left out otherwise, so an
        // honest state reads as an earlier release wrote it.
        ...(row.added.contested ? [1] : []),
      ]
      : null,
    row.removed
      ? [author(row.removed.by.hex), row.removed.wall, row.removed.counter, row.removed.cut]
      : null,
    Object.entries(row.self).map(([f, v]) => [v!.seq, encodeDeviceFields({ [f]: v!.value })]),
    // What the device had seen of others (witness.ts): a 5th field, left
    // out when empty, so a state without any reads as an earlier release wrote it.
    ...witnessWire(row.witnessed, author),
  ]);
}

/** One member row from its wire form `m`; `au` resolves an author index. */
export function decodeMember(
  m: unknown,
  au: (i: unknown) => DeviceKey,
): [DeviceKey, MemberRow] {
  const [k, added, removed, self, witness] = list(m, "member", 5);
  const row: {
    added?: Admission;
    removed?: Removal;
    self: Partial<Record<keyof DeviceFields, SelfField>>;
    witnessed?: Record<string, number>;
  } = {
    self: {},
  };
  if (witness !== undefined) {
    // As the encoder writes it: not empty, ascending keys, each once.
    const w: Record<string, number> = {};
    let last = "";
    const pairs = list(witness, "witness", MAX_AUTHORS);
    if (pairs.length === 0) throw bad("a witness is empty");
    for (const pair of pairs) {
      const [by, seq] = list(pair, "witness pair", 2);
      const hex = au(by).hex;
      if (hex <= last) throw bad("a witness's devices are not in ascending order, once each");
      const n = count(seq, "seq");
      if (n < 1) throw bad("a witness seq is 0");
      w[hex] = n;
      last = hex;
    }
    row.witnessed = w;
  }
  if (added !== null) {
    const [by, wall, counter, fields, contested] = list(added, "admission", 5);
    if (contested !== undefined && contested !== 1) throw bad("an admission's mark is not 1");
    // Only admissions by other devices are compared (membership.ts): a
    // device's own admission kept and marked is no fold's result.
    if (contested === 1 && au(by) === au(k)) throw bad("a self-admission is marked contested");
    row.added = {
      by: au(by),
      wall: count(wall, "wall"),
      counter: count(counter, "counter"),
      fields: decodeDeviceFields(fields, true) as DeviceFields,
      ...(contested === 1 ? { contested: true as const } : {}),
    };
  }
  if (removed !== null) {
    const [by, wall, counter, cut] = list(removed, "removal", 4);
    row.removed = {
      by: au(by),
      wall: count(wall, "wall"),
      counter: count(counter, "counter"),
      cut: count(cut, "cut"),
    };
  }
  for (const sf of list(self, "self fields", 8)) {
    const [seq, fields] = list(sf, "self field", 2);
    const decoded = decodeDeviceFields(fields, false);
    const entries = Object.entries(decoded);
    if (entries.length !== 1) throw bad("a self field is malformed");
    const [name, value] = entries[0];
    (row.self as Record<string, SelfField>)[name] = { seq: count(seq, "seq"), value: value! };
  }
  return [au(k), row];
}
