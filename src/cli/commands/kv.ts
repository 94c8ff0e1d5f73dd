/**
 * @module kv
 * The set/get/unset/list commands shared by `pref` and `config`: both are
 * registers per key (a write replaces the versions this device shows),
 * differing only in key rules, value types and op names.
 */

import type { Json } from "../../crdt/json.ts";
import { ExitCode, MycelError } from "../../errors.ts";
import type { EntryDot, Op } from "../../log/ops.ts";
import type { Space, StateView } from "../../log/state.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, type FlagSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import type { Output } from "../output.ts";
import { commitOps, withRead, withWrite } from "../session.ts";

/** What distinguishes one key-value group from another. */
export interface KvKind {
  /** Group word, e.g. `pref`. */
  group: string;
  /** Noun for messages, e.g. `preference`. */
  noun: string;
  /** The keyspace in the state. */
  space: Space;
  /** The value shown for a key. */
  get: (view: StateView, key: string) => Json | undefined;
  /** Every key with a value, sorted. */
  entries: (view: StateView) => [string, Json][];
  /** Validate a key; returns it. */
  checkKey: (key: string) => string;
  /**
   * Further checks on a key `set` may create (printable: cli/typed_name.ts);
   * get and unset take any key that may be there, a peer's too.
   */
  checkNewKey?: (key: string) => string;
  /** Turn the VALUE argument into a stored value (`out` for a note about how it was read). */
  parseValue: (
    text: string,
    flags: Record<string, string | boolean | undefined>,
    out: Output,
  ) => Json;
  /** Show a stored value in text output. */
  show: (value: Json) => string;
  /** Build the set op, replacing the versions `observed`. */
  setOp: (key: string, value: Json, observed: EntryDot[]) => Op;
  /** Build the unset op, replacing the versions `observed`. */
  unsetOp: (key: string, observed: EntryDot[]) => Op;
  /** Extra flags for `set`. */
  setFlags?: FlagSpec[];
  /** Description for `set --help`. */
  setDescription?: string;
  /** Other spellings of each command, by its verb (`set`, `get`, `unset`, `list`). */
  aliases?: Partial<Record<"set" | "get" | "unset" | "list", string[][]>>;
}

/** A key that names nothing here: a bad argument, as an unknown device or folder is (exit 2). */
function noSuchKey(kind: KvKind, verb: string, key: string, hint?: string): MycelError {
  return new MycelError("no_such_key", `${verb} ${kind.noun}`, "no such key", {
    value: key,
    hint: hint ?? `\`mycel ${kind.group} list\` shows the keys.`,
    exit: ExitCode.usage,
  });
}

/**
 * The KEY of get or unset, checked as set checks it: one that fails the check
 * can't be there, so the hint points at the keys there are, not at set's
 * example (`pref get ""` was told `mycel pref set theme dark`).
 */
function existingKey(kind: KvKind, text: string): string {
  try {
    return kind.checkKey(text);
  } catch (e) {
    if (!(e instanceof MycelError)) throw e;
    throw new MycelError(e.code, e.action, e.reason, {
      value: e.value,
      exit: e.exit,
      cause: e.cause,
      hint: `Give one of the keys \`mycel ${kind.group} list\` shows.`,
    });
  }
}

/** set/get/unset/list commands for `kind`. */
export function kvCommands(kind: KvKind): CommandSpec[] {
  const g = kind.group;
  return [
    {
      path: [g, "set"],
      aliases: kind.aliases?.set,
      summary: `set a ${kind.noun} (synced to every device)`,
      description: kind.setDescription,
      args: [{ name: "KEY", help: "the key" }, { name: "VALUE", help: "new value" }],
      flags: [...(kind.setFlags ?? []), JSON_FLAG],
      ...WRITES,
      async run(ctx, input) {
        const checked = kind.checkKey(input.args.KEY as string);
        const key = kind.checkNewKey?.(checked) ?? checked;
        const value = kind.parseValue(input.args.VALUE as string, input.flags, ctx.out);
        await withWrite(
          ctx,
          (w) => commitOps(w, [kind.setOp(key, value, w.view.observed(kind.space, key))]),
        );
        if (input.flags.json) ctx.out.json({ key, value });
        else ctx.out.line(`${key} = ${safeText(kind.show(value))}`);
        return ExitCode.ok;
      },
    },
    {
      path: [g, "get"],
      aliases: kind.aliases?.get,
      summary: `print one ${kind.noun}`,
      description: "A value of several lines is printed as it is; other control characters\n" +
        "and bidirectional marks are shown escaped (\\x1b, \\u202e). --json prints it exactly.",
      args: [{ name: "KEY", help: "the key" }],
      flags: [JSON_FLAG],
      ...LOCAL,
      async run(ctx, input) {
        const key = existingKey(kind, input.args.KEY as string);
        const value = await withRead(ctx, (home) => kind.get(home.view, key));
        if (value === undefined) throw noSuchKey(kind, "get", key);
        if (input.flags.json) ctx.out.json(value);
        else ctx.out.line(safeText(kind.show(value), { multiline: true }));
        return ExitCode.ok;
      },
    },
    {
      path: [g, "unset"],
      aliases: kind.aliases?.unset,
      summary: `remove a ${kind.noun} everywhere`,
      args: [{ name: "KEY", help: "the key" }],
      flags: [
        { name: "force", help: "record the removal even if the key is not set here" },
        JSON_FLAG,
      ],
      ...WRITES,
      async run(ctx, input) {
        const key = existingKey(kind, input.args.KEY as string);
        await withWrite(ctx, async (w) => {
          if (kind.get(w.view, key) === undefined && !input.flags.force) {
            throw noSuchKey(
              kind,
              "unset",
              key,
              "It may still exist on a device not synced yet; --force removes it there too.",
            );
          }
          await commitOps(w, [kind.unsetOp(key, w.view.observed(kind.space, key))]);
        }, { create: false });
        if (input.flags.json) ctx.out.json({ removed: key });
        else ctx.out.line(`removed ${key}`);
        return ExitCode.ok;
      },
    },
    {
      path: [g, "list"],
      aliases: kind.aliases?.list,
      summary: `list every ${kind.noun}`,
      description: "One `KEY = VALUE` line each; newlines, other control characters and\n" +
        "bidirectional marks in values are shown escaped (\\n, \\x1b, \\u202e). --json prints\n" +
        "values exactly.",
      args: [],
      flags: [JSON_FLAG],
      ...LOCAL,
      async run(ctx, input) {
        const entries = await withRead(ctx, (home) => kind.entries(home.view));
        if (input.flags.json) ctx.out.json(Object.fromEntries(entries));
        else if (entries.length === 0) ctx.out.error(`No ${kind.noun}s set.`);
        else {for (const [k, v] of entries) {
            ctx.out.line(`${safeText(k)} = ${safeText(kind.show(v))}`);
          }}
        return ExitCode.ok;
      },
    },
  ];
}
