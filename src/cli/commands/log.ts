/**
 * @module log
 * `mycel log`: which device changed what, and when (newest first).
 */

import { toHex } from "../../bytes.ts";
import { compareHlc } from "../../crdt/hlc.ts";
import { canonicalJson } from "../../crdt/json.ts";
import { ExitCode, usageError } from "../../errors.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import { decodeSignedEntry, type SignedEntry } from "../../log/entry.ts";
import type { Op } from "../../log/ops.ts";
import type { StateView } from "../../log/state.ts";
import type { Home } from "../../storage/home_handle.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { resolveDevice } from "../devices.ts";
import type { LogEntryJson } from "../json_types.ts";
import { withRead } from "../session.ts";

function deviceName(state: StateView, key: DeviceKey): string {
  return state.member(key)?.record.name || key.short;
}

/** A stamp's wall time as ISO 8601, or a plain number past the calendar's end (a hostile stamp). */
export function stampTime(wall: number): string {
  return wall <= 8.64e15 ? new Date(wall).toISOString() : `@${wall}`;
}

/** Newest first across every author: each chain's stamps only grow, so merge them from their ends. */
function* newestFirst(home: Home, authors: DeviceKey[]): Generator<SignedEntry> {
  const next = new Map<DeviceKey, { buf: SignedEntry[]; before: number }>();
  for (const a of authors) next.set(a, { buf: [], before: (home.log.head(a)?.seq ?? 0) + 1 });
  const peek = (a: DeviceKey) => {
    const n = next.get(a)!;
    if (n.buf.length === 0 && n.before > 1) {
      n.buf = home.log.rangeDesc(a, n.before, 256).map(decodeSignedEntry);
      n.before = n.buf.at(-1)?.entry.seq ?? 1;
    }
    return n.buf[0];
  };
  for (;;) {
    let best: DeviceKey | undefined;
    for (const a of authors) {
      const e = peek(a);
      if (e && (best === undefined || compareHlc(e.entry.hlc, peek(best)!.entry.hlc) > 0)) best = a;
    }
    if (best === undefined) return;
    yield next.get(best)!.buf.shift()!;
  }
}

/** One-line description of an op. */
export function describeOp(op: Op, state: StateView): string {
  switch (op.type) {
    case "config.set":
      return `config ${op.key} = ${
        typeof op.value === "string" ? op.value : canonicalJson(op.value)
      }`;
    case "config.unset":
      return `config unset ${op.key}`;
    case "pref.set":
      return `pref ${op.key} = ${op.value}`;
    case "pref.unset":
      return `pref unset ${op.key}`;
    case "app.add":
      return `app add ${op.name}`;
    case "pattern.add":
      return `pattern add ${op.id}`;
    case "pattern.remove":
      return `pattern remove ${op.id}`;
    case "device.add":
      return `device add ${op.device.name} (${op.device.key.short})`;
    case "device.update":
      return `device update ${deviceName(state, op.device)}: ${Object.keys(op.fields).join(", ")}`;
    case "device.revoke":
      return `device revoke ${
        deviceName(state, op.device)
      } (${op.device.short}) keeping its entries up to #${op.upTo}`;
  }
}

/** JSON form of an op. */
export function opJson(op: Op): Record<string, unknown> {
  const dots = (list: { author: DeviceKey; seq: number }[]) =>
    list.map((d) => [d.author.id, d.seq]);
  switch (op.type) {
    case "pattern.remove":
      return { ...op, dots: dots(op.dots) };
    case "device.add":
      return { type: op.type, device: { ...op.device, key: undefined } };
    case "device.update":
    case "device.revoke":
      return { ...op, device: op.device.id };
    case "config.set":
    case "config.unset":
    case "pref.set":
    case "pref.unset":
      return op.observed === undefined ? { ...op } : { ...op, observed: dots(op.observed) };
    default:
      return { ...op };
  }
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw usageError("run mycel log", "--limit must be a positive whole number", { value: text });
  }
  return n;
}

/** `mycel log [--json] [--device ID] [--limit N]`. */
export const logCommand: CommandSpec = {
  path: ["log"],
  summary: "show which device changed what, and when (newest first)",
  args: [],
  flags: [
    JSON_FLAG,
    {
      name: "device",
      value: "DEVICE",
      help: "only changes made by this device (name or id prefix)",
    },
    { name: "limit", value: "N", help: "show at most N entries" },
  ],
  async run(ctx, input) {
    const limit = parseLimit(input.flags.limit as string | undefined) ?? Infinity;
    return await withRead(ctx, (home) => {
      const state = home.view;
      const only = input.flags.device === undefined
        ? undefined
        : resolveDevice(state, input.flags.device as string, "filter log").record.key;
      const heads = home.log.heads();
      const authors = [...heads.keys()].filter((a) => only === undefined || a === only);
      const shown: SignedEntry[] = [];
      for (const e of newestFirst(home, authors)) {
        if (shown.length >= limit) break;
        shown.push(e);
      }
      const compacted = authors.filter((a) => heads.get(a)!.base > 0)
        .map((a) => ({ device: a.id, name: deviceName(state, a), before: heads.get(a)!.base + 1 }));
      if (input.flags.json) {
        ctx.out.json(shown.map((e): LogEntryJson => ({
          device: e.entry.author.id,
          name: deviceName(state, e.entry.author),
          seq: e.entry.seq,
          time: stampTime(e.entry.hlc.wall),
          hlc: [e.entry.hlc.wall, e.entry.hlc.counter],
          hash: toHex(e.hash),
          ops: e.entry.ops.map(opJson),
        })));
        return ExitCode.ok;
      }
      for (const e of shown) {
        const when = stampTime(e.entry.hlc.wall).replace("T", " ").slice(0, 19);
        const who = `${deviceName(state, e.entry.author)}#${e.entry.seq}`;
        ctx.out.line(`${when}  ${who}  ${e.entry.ops.map((o) => describeOp(o, state)).join("; ")}`);
      }
      for (const c of compacted) {
        ctx.out.line(`(history of ${c.name} before #${c.before} was compacted into a checkpoint)`);
      }
      return ExitCode.ok;
    });
  },
};
