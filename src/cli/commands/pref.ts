/**
 * @module pref
 * `mycel pref set|get|unset|list`: preferences and learned context, a
 * last-writer-wins map of text values. Like every data group, each command
 * also answers to verb-first spellings (`set pref`, `show prefs`; the
 * original sketch's `set preference` and `show preferences`), listed in its
 * help but not offered by completion.
 */

import type { Json } from "../../crdt/json.ts";
import type { LwwMap } from "../../crdt/lww_map.ts";
import { checkName, checkPrefValue } from "../../log/ops.ts";
import type { CommandSpec } from "../command.ts";
import { kvCommands } from "./kv.ts";

/** The `pref` commands. */
export const prefCommands: CommandSpec[] = kvCommands({
  group: "pref",
  noun: "preference",
  map: (s) => s.prefs as LwwMap<Json>,
  checkKey: (k) => checkName("preference key", k),
  parseValue: (text) => checkPrefValue(text),
  show: (v) => String(v),
  setOp: (key, value) => ({ type: "pref.set", key, value: value as string }),
  unsetOp: (key) => ({ type: "pref.unset", key }),
  aliases: {
    set: [["set", "pref"], ["set", "preference"]],
    get: [["get", "pref"], ["get", "preference"]],
    unset: [["unset", "pref"], ["unset", "preference"]],
    list: [["show", "prefs"], ["show", "preferences"]],
  },
});
