/**
 * @module config
 * `mycel config ...`: the shared configuration, last-writer-wins per dotted
 * key, so concurrent edits to different keys both survive. What a user may
 * give as a key or VALUE is ../config_input.ts; the whole config to and
 * from a file, config_import_export.ts.
 */

import { canonicalJson } from "../../crdt/json.ts";
import type { CommandSpec } from "../command.ts";
import {
  looksLikeBrokenJson,
  parseConfigValue,
  userConfigKey,
  userConfigs,
} from "../config_input.ts";
import { exportCommand, importCommand } from "./config_import_export.ts";
import { kvCommands } from "./kv.ts";

const base = kvCommands({
  group: "config",
  noun: "config key",
  space: "config",
  get: (view, key) => view.config(key),
  entries: userConfigs,
  checkKey: userConfigKey,
  parseValue: (text, flags, out) => {
    const value = parseConfigValue(text, flags.string === true);
    if (flags.string !== true && looksLikeBrokenJson(text, value)) {
      out.error(
        "note: VALUE starts like JSON but does not parse as JSON; stored as text " +
          "(fix the quoting for JSON, or pass --string to silence this).",
      );
    }
    return value;
  },
  show: (v) => typeof v === "string" ? v : canonicalJson(v),
  setOp: (key, value, observed) => ({ type: "config.set", key, value, observed }),
  unsetOp: (key, observed) => ({ type: "config.unset", key, observed }),
  setFlags: [{ name: "string", help: "store VALUE as text even if it looks like JSON" }],
  setDescription:
    'VALUE is stored as JSON when it parses as JSON (12, true, null, [1,2], {"a":1},\n' +
    '"quoted"), otherwise as text (with a note when it starts like JSON but does not\n' +
    "parse). Keys are dotted: editor.font.size.",
  aliases: {
    set: [["set", "config"]],
    get: [["get", "config"]],
    unset: [["unset", "config"]],
    list: [["show", "config"]],
  },
});

/** Every `config` command. */
export const configCommands: CommandSpec[] = [
  ...base,
  importCommand,
  exportCommand,
];
