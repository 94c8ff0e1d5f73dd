/**
 * @module config
 * `mycel config ...`: the shared configuration, last-writer-wins per dotted
 * key, so concurrent edits to different keys both survive.
 */

import { canonicalJson, isJson, type Json, MAX_JSON_DEPTH } from "../../crdt/json.ts";
import { ExitCode, MycelError, usageError } from "../../errors.ts";
import { checkConfigKey } from "../../log/ops.ts";
import type { StateView } from "../../log/state.ts";
import { isReservedConfigKey } from "../../log/reserved_config.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import type { ConfigFormat } from "../config_file.ts";
import { plural } from "../../human.ts";
import { escapeInQuotedText, safeText } from "../../text_safety.ts";
import { commitOps, withRead, withWrite } from "../session.ts";
import { kvCommands } from "./kv.ts";
import { lazyImport } from "../../lazy_import.ts";
import { fileProblem } from "../user_file.ts";

/** Parse a VALUE argument: JSON when it is JSON, else text. */
export function parseConfigValue(text: string, asText: boolean): Json {
  if (asText) return text;
  let v: unknown;
  let inexact: string | undefined;
  try {
    // The reviver sees each number's source text: one whose digits a JSON
    // number can't keep is named, never stored rounded.
    v = JSON.parse(text, (_key, value, ctx?: { source?: string }) => {
      if (
        inexact === undefined && typeof value === "number" && ctx?.source !== undefined &&
        !sameDecimal(ctx.source, value)
      ) inexact = ctx.source;
      return value;
    });
  } catch {
    return text; // not JSON: plain text
  }
  if (inexact === undefined && isJson(v)) return v;
  // Valid JSON that can't be kept as given: refused, never stored as text
  // with a note that it "does not parse" (it does).
  const [reason, hint] = inexact !== undefined
    ? [
      "it holds a number that can't be kept exactly",
      "Give it as text with --string (or quoted: '\"12345678901234567890\"').",
    ]
    : hasProtoKey(v)
    ? ["it has a key named __proto__", "Rename that key."]
    : [
      `it is valid JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
      "Flatten it into dotted keys, or give it as text with --string.",
    ];
  throw usageError("set value", reason, { value: clip(inexact ?? text), hint });
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** True when the JSON number text `source` is exactly the number `n` (0 and -0 alike). */
function sameDecimal(source: string, n: number): boolean {
  if (!Number.isFinite(n)) return false;
  const a = decimal(source), b = decimal(String(n));
  return a !== undefined && b !== undefined && a === b;
}

/** A decimal's canonical form: sign, significant digits, exponent ("0" for zero). */
function decimal(text: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (m === null) return undefined;
  const frac = m[3] ?? "";
  let digits = (m[2] + frac).replace(/^0+/, "");
  if (digits === "") return "0";
  let exp = Number(m[4] ?? 0) - frac.length;
  const trimmed = digits.replace(/0+$/, "");
  exp += digits.length - trimmed.length;
  digits = trimmed;
  return `${m[1]}${digits}e${exp}`;
}

/** True when an object anywhere in `v` has an own `__proto__` key. */
function hasProtoKey(v: unknown, depth = 0): boolean {
  if (typeof v !== "object" || v === null || depth > MAX_JSON_DEPTH) return false;
  if (!Array.isArray(v) && Object.hasOwn(v, "__proto__")) return true;
  return Object.values(v).some((x) => hasProtoKey(x, depth + 1));
}

/**
 * Text that was probably meant as JSON: it starts like an object, array or
 * string but does not parse. Stored as text, with a note saying so.
 */
export function looksLikeBrokenJson(text: string, stored: Json): boolean {
  return typeof stored === "string" && /^\s*[{["]/.test(text) && stored === text;
}

/** A config key the user may set or read: any valid key but mycel's own (`mycel.`). */
function userConfigKey(text: string): string {
  const key = checkConfigKey(text);
  if (isReservedConfigKey(key)) {
    throw new MycelError(
      "bad_input",
      "use config key",
      "keys starting with `mycel.` are mycel's own",
      {
        value: JSON.stringify(key),
        hint: "Pick another name.",
        exit: ExitCode.usage,
      },
    );
  }
  return key;
}

/** The config the user sees (mycel's own keys hidden). */
function userConfigs(view: StateView): [string, Json][] {
  return view.configs().filter(([k]) => !isReservedConfigKey(k));
}

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
  flags: [FORMAT, JSON_FLAG],
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

const exportCommand: CommandSpec = {
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

/** Every `config` command. */
export const configCommands: CommandSpec[] = [
  ...base,
  importCommand,
  exportCommand,
];
