/**
 * @module pref
 * `mycel pref set|get|unset|list`: preferences and learned context, a
 * register per key holding text (a write replaces what this device showed).
 * Like every data group, each command also answers to verb-first spellings
 * (`set pref`, `show prefs`; the original sketch's `set preference` and
 * `show preferences`), listed in its help but not offered by completion.
 */

import { withHint } from "../../errors.ts";
import { checkName, checkPrefValue, MAX_PREF_LENGTH } from "../../log/ops.ts";
import { printableName } from "../typed_name.ts";
import type { CommandSpec } from "../command.ts";
import { kvCommands } from "./kv.ts";

/** The `pref` commands. */
export const prefCommands: CommandSpec[] = kvCommands({
  group: "pref",
  noun: "preference",
  space: "prefs",
  get: (view, key) => view.pref(key),
  entries: (view) => view.prefs(),
  checkKey: (k) => {
    try {
      return checkName("preference key", k);
    } catch (e) {
      // The check is shared with decoding peers' entries: the hint is the command's.
      throw withHint(e, "Give a key such as `theme`: mycel pref set theme dark");
    }
  },
  checkNewKey: (k) =>
    printableName("preference key", k, "Give a key such as `theme`: mycel pref set theme dark"),
  parseValue: (text) => {
    try {
      return checkPrefValue(text);
    } catch (e) {
      // As for the key: the check is shared with decoding peers' entries.
      throw withHint(
        e,
        `A preference holds at most ${MAX_PREF_LENGTH} characters; share longer text as a file ` +
          "in a synced folder (mycel folder add PATH).",
      );
    }
  },
  show: (v) => String(v),
  setOp: (key, value, observed) => ({ type: "pref.set", key, value: value as string, observed }),
  unsetOp: (key, observed) => ({ type: "pref.unset", key, observed }),
  aliases: {
    set: [["set", "pref"], ["set", "preference"]],
    get: [["get", "pref"], ["get", "preference"]],
    unset: [["unset", "pref"], ["unset", "preference"]],
    list: [["show", "prefs"], ["show", "preferences"]],
  },
});
