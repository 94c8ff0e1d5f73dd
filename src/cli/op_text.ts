/**
 * @module op_text
 * How `mycel log` shows a signed op: one line of text, or its JSON form.
 * Everything from an entry may come from a peer, so text passes the
 * text-safety check; mycel's own config keys hold secrets (the discovery
 * key), so their values are never shown in either form.
 */

import { canonicalJson } from "../crdt/json.ts";
import { plural } from "../human.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { DEVICE_FIELDS, type DeviceFields } from "../log/device_record.ts";
import type { Op } from "../log/ops.ts";
import { isReservedConfigKey } from "../log/reserved_config.ts";
import type { StateView } from "../log/state.ts";
import { safeText } from "../text_safety.ts";

/** A device's name as the log shows it (its short id when it has none). */
export function deviceName(state: StateView, key: DeviceKey): string {
  return state.member(key)?.record.name || key.short;
}

/** One-line description of an op; everything from the entry passes the text-safety check. */
export function describeOp(op: Op, state: StateView): string {
  const t = (text: string) => safeText(text);
  switch (op.type) {
    case "config.set":
      // mycel's own keys hold secrets (the discovery key): never printed.
      if (isReservedConfigKey(op.key)) return `config ${t(op.key)} replaced (secret, not shown)`;
      return `config ${t(op.key)} = ${
        t(typeof op.value === "string" ? op.value : canonicalJson(op.value))
      }`;
    case "config.unset":
      return `config unset ${t(op.key)}`;
    case "pref.set":
      return `pref ${t(op.key)} = ${t(op.value)}`;
    case "pref.unset":
      return `pref unset ${t(op.key)}`;
    case "app.add":
      return `app add ${t(op.name)}`;
    case "pattern.add":
      return `pattern add ${t(op.id)}`;
    case "pattern.remove":
      return `pattern remove ${t(op.id)}`;
    case "device.add":
      return `device add ${t(op.device.name)} (${op.device.key.short})`;
    case "device.update":
      return `device update ${t(deviceName(state, op.device))}: ${t(updatedFields(op.fields))}`;
    case "device.revoke":
      return `device revoke ${
        t(deviceName(state, op.device))
      } (${op.device.short}) keeping its entries up to #${op.upTo}`;
    case "device.retire":
      return `device retire ${t(deviceName(state, op.device))} (${op.device.short}): gone for good`;
    case "folder.share":
      return `folder share ${t(op.folder)} (${t(op.name)})`;
    case "folder.join":
      return `folder join ${t(op.folder)}`;
    case "folder.leave":
      return `folder leave ${t(op.folder)}`;
    case "folder.progress":
      return `folder progress ${t(op.folder)}: needs ${plural(op.progress.needFiles, "file")}`;
    case "file.version":
      return `file ${t(op.folder)}/${t(op.version.path)} ${op.version.kind}`;
  }
}

/**
 * What a `device.update` set, in words and with the new values: before, only
 * the record's field names ("name", "wgPort"), so a rename did not say the
 * new name. Keys are public but long: said replaced, not shown.
 */
function updatedFields(fields: Partial<DeviceFields>): string {
  const said: string[] = [];
  for (const field of DEVICE_FIELDS) {
    const v = fields[field];
    if (v === undefined) continue;
    switch (field) {
      case "name":
        said.push(`name → ${v}`);
        break;
      case "noiseKey":
        said.push("Noise key replaced");
        break;
      case "wgKey":
        said.push("WireGuard key replaced");
        break;
      case "endpoints":
        said.push(`endpoints → ${(v as string[]).join(", ") || "none"}`);
        break;
      case "ipv4":
        said.push(`mesh IPv4 → ${v || "none"}`);
        break;
      case "wgPort":
        said.push(`WireGuard port → ${v || "none"}`);
        break;
    }
  }
  return said.join("; ");
}

/** `noiseKey` → `noise_key`. */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * `x` with every object key in snake_case, at any depth, as in every other
 * `--json` output (the ops' fields are the log's TypeScript names, camelCase:
 * `upTo`, `noiseKey`, `needBytes`), except what a `value` holds: a config
 * value or a pattern is the person's data, shown as written.
 */
function snakeKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(snakeKeys);
  if (x === null || typeof x !== "object") return x;
  return Object.fromEntries(
    Object.entries(x).map(([k, v]) => [snakeCase(k), k === "value" ? v : snakeKeys(v)]),
  );
}

/** JSON form of an op (`mycel log --json`): snake_case keys, see {@link snakeKeys}. */
export function opJson(op: Op): Record<string, unknown> {
  return snakeKeys(opFields(op)) as Record<string, unknown>;
}

/** An op's fields as JSON can hold them (device keys as ids, dots as pairs). */
function opFields(op: Op): Record<string, unknown> {
  const dots = (list: { author: DeviceKey; seq: number }[]) =>
    list.map((d) => [d.author.id, d.seq]);
  switch (op.type) {
    case "pattern.remove":
      return { ...op, dots: dots(op.dots) };
    case "device.add":
      return { type: op.type, device: { ...op.device, key: undefined } };
    case "device.update":
    case "device.revoke":
    case "device.retire":
      return { ...op, device: op.device.id };
    case "config.set":
      if (isReservedConfigKey(op.key)) {
        const { value: _secret, ...rest } = op;
        return { ...rest, value: null, secret: true, observed: dots(op.observed ?? []) };
      }
    /* falls through */
    case "config.unset":
    case "pref.set":
    case "pref.unset":
      return op.observed === undefined ? { ...op } : { ...op, observed: dots(op.observed) };
    case "folder.progress":
      return {
        ...op,
        progress: {
          ...op.progress,
          frontier: op.progress.frontier.map(([k, s]) => [k.id, s]),
        },
      };
    case "file.version": {
      const v = op.version;
      return {
        type: op.type,
        folder: op.folder,
        path: v.path,
        kind: v.kind,
        mtime: v.mtime,
        by: v.modifiedBy,
        ...(v.kind === "file" ? { size: v.size, exec: v.exec } : {}),
        ...(v.kind === "symlink" ? { target: v.target } : {}),
      };
    }
    default:
      return { ...op };
  }
}
