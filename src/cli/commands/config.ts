/**
 * @module config
 * `mycel config ...`: the shared configuration, last-writer-wins per dotted
 * key, so concurrent edits to different keys both survive.
 */

import { canonicalJson, isJson, type Json } from "../../crdt/json.ts";
import { ExitCode, MycelError } from "../../errors.ts";
import { checkConfigKey } from "../../log/ops.ts";
import type { CommandSpec } from "../command.ts";
import type { ConfigFormat } from "../config_file.ts";
import { commitOps, withRead, withWrite } from "../session.ts";
import { kvCommands } from "./kv.ts";

/** Parse a VALUE argument: JSON when it is JSON, else text. */
export function parseConfigValue(text: string, asText: boolean): Json {
  if (asText) return text;
  try {
    const v = JSON.parse(text);
    if (isJson(v)) return v;
  } catch {
    // not JSON: plain text
  }
  return text;
}

const base = kvCommands({
  group: "config",
  noun: "config key",
  space: "config",
  get: (view, key) => view.config(key),
  entries: (view) => view.configs(),
  checkKey: checkConfigKey,
  parseValue: (text, flags) => parseConfigValue(text, flags.string === true),
  show: (v) => typeof v === "string" ? v : canonicalJson(v),
  setOp: (key, value, observed) => ({ type: "config.set", key, value, observed }),
  unsetOp: (key, observed) => ({ type: "config.unset", key, observed }),
  setFlags: [{ name: "string", help: "store VALUE as text even if it looks like JSON" }],
  setDescription:
    'VALUE is stored as JSON when it parses as JSON (12, true, null, [1,2], {"a":1},\n' +
    '"quoted"), otherwise as text. Keys are dotted: editor.font.size.',
});

const FORMAT = {
  name: "format",
  value: "FORMAT",
  help: "json or toml",
  choices: ["json", "toml"],
} as const;

const importCommand: CommandSpec = {
  path: ["config", "import"],
  summary: "set every key of a JSON or TOML file (one change)",
  description: "Nested tables become dotted keys. Keys not in the file are left alone.\n" +
    "FILE may be - for standard input (then give --format).",
  args: [{ name: "FILE", help: "JSON or TOML file, or -", complete: "file" }],
  flags: [FORMAT],
  async run(ctx, input) {
    const path = input.args.FILE as string;
    const { guessFormat, parseConfigFile } = await import("../config_file.ts");
    let format = guessFormat(input.flags.format as string | undefined, path);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(
        path === "-" ? await ctx.readStdin() : await Deno.readFile(path),
      );
    } catch (e) {
      const reason = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
      throw new MycelError("bad_config_file", "import config", reason, {
        value: path,
        exit: ExitCode.usage,
      });
    }
    if (format === undefined) format = text.trimStart().startsWith("{") ? "json" : "toml";
    const entries = await parseConfigFile(text, format, path);
    await withWrite(ctx, async (w) => {
      const changed = entries.filter(([k, v]) =>
        canonicalJson(w.view.config(k)) !== canonicalJson(v)
      );
      await commitOps(
        w,
        changed.map(([key, value]) => ({
          type: "config.set",
          key,
          value,
          observed: w.view.observed("config", key),
        })),
      );
      ctx.out.line(`imported ${entries.length} keys (${changed.length} changed) from ${path}`);
    });
    return ExitCode.ok;
  },
};

const exportCommand: CommandSpec = {
  path: ["config", "export"],
  summary: "print the whole config as JSON or TOML",
  args: [],
  flags: [{ ...FORMAT, help: "json (default) or toml" }],
  async run(ctx, input) {
    const entries = await withRead(ctx, (home) => home.view.configs());
    const { nestConfig, renderConfigFile } = await import("../config_file.ts");
    const doc = nestConfig(
      entries,
      (k) => ctx.out.error(`warning: ${k} is hidden by a table of the same name`),
    );
    ctx.out.write(await renderConfigFile(doc, (input.flags.format ?? "json") as ConfigFormat));
    return ExitCode.ok;
  },
};

/** Every `config` command. */
export const configCommands: CommandSpec[] = [
  ...base.map((c) => c.path[1] === "list" ? { ...c, aliases: [["show", "config"]] } : c),
  importCommand,
  exportCommand,
];
