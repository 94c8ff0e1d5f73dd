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
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { resolveDevice } from "../devices.ts";
import type { LogEntryJson } from "../json_types.ts";
import { openRead } from "../session.ts";

function deviceName(state: MeshState, id: string): string {
  return state.device(id)?.name || shortDeviceId(id);
}

/** One-line description of an op. */
export function describeOp(op: Op, state: MeshState): string {
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
      return `device add ${op.device.name} (${shortDeviceId(op.device.id)})`;
    case "device.update":
      return `device update ${deviceName(state, op.id)}: ${Object.keys(op.fields).join(", ")}`;
    case "device.revoke":
      return `device revoke ${deviceName(state, op.id)} (${shortDeviceId(op.id)})`;
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
      const when = new Date(e.entry.hlc.wall).toISOString().replace("T", " ").slice(0, 19);
      const who = `${deviceName(state, e.entry.author)}#${e.entry.seq}`;
      ctx.out.line(`${when}  ${who}  ${e.entry.ops.map((o) => describeOp(o, state)).join("; ")}`);
    }
    return ExitCode.ok;
  },
};
