/**
 * @module config_import_export
 * `mycel config import FILE` and `config export`: the whole config to and
 * from a JSON or TOML file (src/cli/config_file.ts). Import sets every key
 * of the file in one change, checked first; export warns of what a file
 * can't tell apart (an object value is shown as a table). Apart from
 * config.ts, whose commands handle one key at a time.
 */

import { canonicalJson } from "../../crdt/json.ts";
import { ExitCode, MycelError } from "../../errors.ts";
import { plural } from "../../human.ts";
import { lazyImport } from "../../lazy_import.ts";
import { escapeInQuotedText, safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import type { ConfigFormat } from "../config_file.ts";
import { userConfigKey, userConfigs } from "../config_input.ts";
import { commitOps, withRead, withWrite } from "../session.ts";
import { fileProblem } from "../user_file.ts";

const FORMAT = {
  name: "format",
  value: "FORMAT",
  help: "json or toml",
  choices: ["json", "toml"],
} as const;

/** `config import FILE`. */
export const importCommand: CommandSpec = {
  path: ["config", "import"],
  summary: "set every key of a JSON or TOML file (one change)",
  description: "Nested tables become dotted keys. Keys not in the file are left alone.\n" +
    "FILE may be - for standard input. The format is told from FILE's name (.json,\n" +
    ".toml), else from its text: JSON when it starts with `{`, else TOML; --format\n" +
    "overrides both.",
  args: [{ name: "FILE", help: "JSON or TOML file, or -", complete: "file" }],
  flags: [{ ...FORMAT, help: "json or toml (default: told from FILE's name or text)" }, JSON_FLAG],
  ...WRITES,
  async run(ctx, input) {
    const path = input.args.FILE as string;
    const { guessFormat, parseConfigFile } = await lazyImport<typeof import("../config_file.ts")>(
      new URL("../config_file.ts", import.meta.url),
    );
    let format = guessFormat(input.flags.format as string | undefined, path);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(
        path === "-" ? await ctx.readStdin() : await Deno.readFile(path),
      );
    } catch (e) {
      const reason = e instanceof TypeError ? "it is not UTF-8 text" : fileProblem(e);
      throw new MycelError("bad_config_file", "import config", reason, {
        value: path,
        hint: e instanceof Deno.errors.NotFound
          ? "Check the path (a relative one starts from the current folder), or give - and\n" +
            "pipe the file in. `mycel config export > config.json` writes one."
          : e instanceof TypeError
          ? "Give a JSON or TOML file such as `mycel config export` writes."
          : undefined,
        exit: ExitCode.usage,
      });
    }
    if (format === undefined) format = text.trimStart().startsWith("{") ? "json" : "toml";
    const entries = await parseConfigFile(
      text,
      format,
      path,
      (k) => ctx.out.error(`note: ${safeText(k)} is an empty table: it sets nothing`),
    );
    for (const [k] of entries) userConfigKey(k);
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
      if (input.flags.json) {
        ctx.out.json({ imported: entries.length, changed: changed.map(([k]) => k) });
      } else {
        ctx.out.line(
          `imported ${plural(entries.length, "key")} (${changed.length} changed) from ${path}`,
        );
      }
    });
    return ExitCode.ok;
  },
};

/** `config export`. */
export const exportCommand: CommandSpec = {
  path: ["config", "export"],
  summary: "print the whole config as JSON or TOML",
  description: "Dotted keys become nested tables. A key holding an object value is shown as a\n" +
    "table too, which `config import` reads back as keys under it: export warns of each.",
  args: [],
  flags: [{ ...FORMAT, help: "json (default) or toml" }],
  ...LOCAL,
  async run(ctx, input) {
    const entries = await withRead(ctx, (home) => userConfigs(home.view));
    const { nestConfig, renderConfigFile } = await lazyImport<typeof import("../config_file.ts")>(
      new URL("../config_file.ts", import.meta.url),
    );
    const doc = nestConfig(
      entries,
      (k) => ctx.out.error(`warning: ${safeText(k)} is hidden by a table of the same name`),
    );
    // A file has no way to tell an object value from a table of keys:
    // importing it back sets keys under it (or, for {}, nothing). Said, not
    // silently reshaped on the next device.
    for (const [k, v] of entries) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) continue;
      const inner = Object.keys(v).length === 0
        ? "sets nothing for it"
        : `sets keys under it (${safeText(`${k}.${Object.keys(v)[0]}`)}, …) instead`;
      ctx.out.error(
        `warning: ${safeText(k)} holds an object value, which the file shows as a table: ` +
          `\`mycel config import\` of it ${inner}`,
      );
    }
    // JSON and TOML put every character of a value inside a quoted string,
    // where \uXXXX is the same character: the file keeps its meaning.
    const text = await renderConfigFile(doc, (input.flags.format ?? "json") as ConfigFormat);
    ctx.out.write(escapeInQuotedText(text));
    return ExitCode.ok;
  },
};
