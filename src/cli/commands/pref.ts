/**
 * @module pref
 * `mycel pref set|get|unset|list`: preferences and learned context, a
 * register per key holding text (a write replaces what this device showed); plus the original sketch's spellings
 * `mycel set preference KEY VALUE` and `mycel show preferences`.
 */

import { checkName, checkPrefValue } from "../../log/ops.ts";
import type { CommandSpec } from "../command.ts";
import { kvCommands } from "./kv.ts";

const commands = kvCommands({
  group: "pref",
  noun: "preference",
  space: "prefs",
  get: (view, key) => view.pref(key),
  entries: (view) => view.prefs(),
  checkKey: (k) => checkName("preference key", k),
  parseValue: (text) => checkPrefValue(text),
  show: (v) => String(v),
  setOp: (key, value, observed) => ({ type: "pref.set", key, value: value as string, observed }),
  unsetOp: (key, observed) => ({ type: "pref.unset", key, observed }),
});

const alias = (path: string, ...spellings: string[][]) => {
  const c = commands.find((c) => c.path[1] === path)!;
  return { ...c, aliases: spellings };
};

/** The `pref` commands with their sketch-era aliases. */
export const prefCommands: CommandSpec[] = [
  alias("set", ["set", "preference"], ["set", "pref"]),
  alias("get", ["get", "preference"], ["show", "preference"]),
  alias("unset", ["unset", "preference"]),
  alias("list", ["show", "preferences"], ["show", "prefs"]),
];
