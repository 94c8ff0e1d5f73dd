/**
 * @module log
 * `mycel log`: which device changed what, and when (newest first).
 */

import { toHex } from "../../bytes.ts";
import { compareHlc } from "../../crdt/hlc.ts";
import { canonicalJson } from "../../crdt/json.ts";
import { ExitCode, usageError } from "../../errors.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import type { SignedEntry } from "../../log/entry.ts";
import type { Op } from "../../log/ops.ts";
import type { MeshState } from "../../log/state.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { localTime } from "../human.ts";
import { resolveDevice } from "../devices.ts";
import type { LogEntryJson } from "../json_types.ts";
import { openRead } from "../session.ts";

function deviceName(state: MeshState, id: string): string {
  return state.device(id)?.name || shortDeviceId(id);
}

/** One-line description of an op; everything from the entry passes the text-safety check. */
export function describeOp(op: Op, state: MeshState): string {
  const t = (text: string) => safeText(text);
  switch (op.type) {
    case "config.set":
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
      return `device add ${t(op.device.name)} (${shortDeviceId(op.device.id)})`;
    case "device.update":
      return `device update ${t(deviceName(state, op.id))}: ${
        t(Object.keys(op.fields).join(", "))
      }`;
    case "device.revoke":
      return `device revoke ${t(deviceName(state, op.id))} (${shortDeviceId(op.id)})`;
  }
}

/** JSON form of an op. */
export function opJson(op: Op): Record<string, unknown> {
  if (op.type === "pattern.remove") return { ...op, dots: op.dots.map((d) => [d.author, d.seq]) };
  return { ...op };
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
  description: "Times are the authors' clocks, in local time with the UTC offset.",
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
    const limit = parseLimit(input.flags.limit as string | undefined);
    const store = await openRead(ctx);
    const state = store.state;
    const only = input.flags.device === undefined
      ? undefined
      : resolveDevice(state, input.flags.device as string, "filter log");
    const entries: SignedEntry[] = [];
    for (const author of store.heads.keys()) {
      if (only === undefined || only === author) {
        entries.push(...await store.entriesAfter(author, 0));
      }
    }
    entries.sort((a, b) => compareHlc(b.entry.hlc, a.entry.hlc));
    const shown = limit === undefined ? entries : entries.slice(0, limit);
    if (input.flags.json) {
      ctx.out.json(shown.map((e): LogEntryJson => ({
        device: e.entry.author,
        name: deviceName(state, e.entry.author),
        seq: e.entry.seq,
        time: new Date(e.entry.hlc.wall).toISOString(),
        hlc: [e.entry.hlc.wall, e.entry.hlc.counter],
        hash: toHex(e.hash),
        ops: e.entry.ops.map(opJson),
      })));
      return ExitCode.ok;
    }
    for (const e of shown) {
      const when = localTime(e.entry.hlc.wall);
      const who = `${safeText(deviceName(state, e.entry.author))}#${e.entry.seq}`;
      ctx.out.line(`${when}  ${who}  ${e.entry.ops.map((o) => describeOp(o, state)).join("; ")}`);
    }
    return ExitCode.ok;
  },
};
