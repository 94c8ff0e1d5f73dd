/**
 * @module log
 * `mycel log`: which device changed what, and when (newest first).
 */

import { toHex } from "../../bytes.ts";
import { isReservedConfigKey } from "../../log/reserved_config.ts";
import { compareHlc } from "../../crdt/hlc.ts";
import { canonicalJson } from "../../crdt/json.ts";
import { ExitCode, usageError } from "../../errors.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import { decodeSignedEntry, type SignedEntry } from "../../log/entry.ts";
import type { Op } from "../../log/ops.ts";
import type { StateView } from "../../log/state.ts";
import type { Home } from "../../storage/home_handle.ts";
import type { HistoryBase } from "../../storage/sql_local.ts";
import { keyOfHex } from "../../log/state_rows.ts";
import { safeJson, safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { localTime, plural } from "../../human.ts";
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
      n.buf = home.log.rangeDesc(a, n.before, 256).map((b) => decodeSignedEntry(b));
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
      return `device update ${t(deviceName(state, op.device))}: ${
        t(Object.keys(op.fields).join(", "))
      }`;
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

/**
 * Where one device's history starts here, and why (local record `history`:
 * compacted on this device, or taken as a checkpoint's state).
 */
export function baseNote(
  c: { name: string; base: number; why?: HistoryBase },
  nameOf: (key: DeviceKey) => string,
): string {
  const upTo = `${safeText(c.name)}'s changes up to #${c.base}`;
  const why = c.why?.seq === c.base ? c.why : undefined;
  if (why?.how === "compacted") {
    return `(${upTo} were compacted on ${
      localTime(why.at)
    }: every device had them; the state keeps their effect)`;
  }
  if (why?.how === "checkpoint") {
    const by = why.by === undefined ? "a device" : safeText(nameOf(keyOfHex(why.by)));
    return `(${upTo} are not kept here: they came as the state, in ${by}'s checkpoint of ${
      localTime(why.at)
    })`;
  }
  return `(${upTo} are not kept here: a checkpoint of the state covers them)`;
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
  description: "Times are the authors' clocks, in local time with the UTC offset. History that\n" +
    "every device holds and that is older than the retention (`mycel sync retention`) is\n" +
    "compacted; a last line per device says where its history starts here, and why.",
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
  ...LOCAL,
  async run(ctx, input) {
    const limit = parseLimit(input.flags.limit as string | undefined) ?? Infinity;
    return await withRead(ctx, (home) => {
      const state = home.view;
      const only = input.flags.device === undefined
        ? undefined
        : resolveDevice(state, input.flags.device as string, "filter log").record.key;
      const heads = home.log.heads();
      const authors = [...heads.keys()].filter((a) => only === undefined || a === only);
      const history = home.local.get("history") ?? {};
      const compacted = authors.filter((a) => heads.get(a)!.base > 0)
        .map((a) => ({
          name: deviceName(state, a),
          base: heads.get(a)!.base,
          why: history[a.hex],
        }));
      // Written as read (never the whole history in memory: a long log took
      // hundreds of MB, its JSON a GB). The JSON is the same text
      // `ctx.out.json` gives for the whole array.
      let shown = 0;
      try {
        for (const e of newestFirst(home, authors)) {
          if (shown >= limit) break;
          if (input.flags.json) {
            const item: LogEntryJson = {
              device: e.entry.author.id,
              name: deviceName(state, e.entry.author),
              seq: e.entry.seq,
              time: stampTime(e.entry.hlc.wall),
              hlc: [e.entry.hlc.wall, e.entry.hlc.counter],
              hash: toHex(e.hash),
              ops: e.entry.ops.map(opJson),
            };
            ctx.out.write(`${shown === 0 ? "[\n" : ",\n"}${safeJson(item).replace(/^/gm, "  ")}`);
          } else {
            const wall = e.entry.hlc.wall;
            const when = wall <= 8.64e15 ? localTime(wall) : `@${wall} (beyond the calendar)`;
            const who = `${safeText(deviceName(state, e.entry.author))}#${e.entry.seq}`;
            ctx.out.line(
              `${when}  ${who}  ${e.entry.ops.map((o) => describeOp(o, state)).join("; ")}`,
            );
          }
          shown++;
        }
      } catch (e) {
        // What was written stays a whole JSON array; the error and the exit
        // code say it is not all of the log.
        if (input.flags.json && shown > 0) ctx.out.write("\n]\n");
        throw e;
      }
      if (input.flags.json) {
        ctx.out.write(shown === 0 ? "[]\n" : "\n]\n");
        return ExitCode.ok;
      }
      for (const c of compacted) ctx.out.line(baseNote(c, (k) => deviceName(state, k)));
      return ExitCode.ok;
    });
  },
};
