/**
 * @module config_file
 * Config files for `config import` / `config export`: JSON or TOML documents
 * whose nested tables map to dotted keys (`[editor] font.size = 12` →
 * `editor.font.size`). Arrays and scalars are values.
 */

import { isJson, type Json, type JsonObject } from "../crdt/json.ts";
import { ExitCode, MycelError, withHint } from "../errors.ts";
import { checkConfigKey } from "../log/ops.ts";
import { CONFIG_KEY_HINT } from "./config_input.ts";

/** File formats understood. */
export type ConfigFormat = "json" | "toml";

function isTable(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A key of the file, checked as `config set` checks one (with its hint). */
function fileKey(key: string): string {
  try {
    return checkConfigKey(key);
  } catch (e) {
    throw withHint(e, CONFIG_KEY_HINT);
  }
}

/** Flatten nested tables into dotted keys (sorted); `empty` hears of each empty table. */
export function flattenConfig(
  doc: JsonObject,
  prefix = "",
  empty: (key: string) => void = () => {},
): [string, Json][] {
  const out: [string, Json][] = [];
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isTable(v)) {
      if (Object.keys(v).length === 0) empty(fileKey(key));
      out.push(...flattenConfig(v, key, empty));
    } else out.push([fileKey(key), v]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * Nest dotted keys into tables. When a key is both a value and a table
 * (`a = 1` and `a.b = 2`, possible after concurrent edits), the table wins and
 * the shadowed key is reported through `shadowed`.
 */
export function nestConfig(
  entries: [string, Json][],
  shadowed: (key: string) => void = () => {},
): JsonObject {
  const root: JsonObject = {};
  const sorted = [...entries].sort((a, b) => b[0].split(".").length - a[0].split(".").length);
  for (const [key, value] of sorted) {
    const parts = key.split(".");
    let node = root;
    let blocked = false;
    for (const p of parts.slice(0, -1)) {
      if (!(p in node)) node[p] = {};
      if (!isTable(node[p])) {
        blocked = true;
        break;
      }
      node = node[p] as JsonObject;
    }
    const last = parts[parts.length - 1];
    if (blocked || last in node) shadowed(key);
    else node[last] = value;
  }
  return root;
}

function badFile(what: string, reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_config_file", "import config", reason, {
    value: what,
    hint: "Give a JSON object or a TOML document; nested tables become dotted keys.",
    exit: ExitCode.usage,
    cause,
  });
}

/**
 * Parse a config document; errors name the file and say what is wrong.
 * `empty` hears of each empty table (it sets nothing; a file made by
 * `config export` shows an empty object value that way).
 */
export async function parseConfigFile(
  text: string,
  format: ConfigFormat,
  name: string,
  empty?: (key: string) => void,
): Promise<[string, Json][]> {
  let doc: unknown;
  if (format === "json") {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw badFile(name, `it is not valid JSON: ${(e as Error).message}`, e);
    }
  } else {
    const { parse, TomlError } = await import("smol-toml");
    try {
      doc = JSON.parse(JSON.stringify(parse(text))); // dates → strings
    } catch (e) {
      const detail = e instanceof TomlError ? ` at line ${e.line}, column ${e.column}` : "";
      throw badFile(name, `it is not valid TOML${detail}`, e);
    }
  }
  if (!isTable(doc)) throw badFile(name, "the top level must be an object/table");
  if (!isJson(doc)) throw badFile(name, "it holds values JSON cannot represent");
  const entries = flattenConfig(doc, "", empty);
  if (entries.length === 0) throw badFile(name, "it sets no keys");
  // A key given twice (`"a.b"` and `"a": {"b"}`) or both a value and a table
  // (`"a"` and `"a.b"`): one would silently replace or hide the other.
  const keys = new Set<string>();
  for (const [key] of entries) {
    if (keys.has(key)) throw badFile(name, `it gives the key ${key} twice`);
    keys.add(key);
  }
  for (const key of keys) {
    for (let dot = key.indexOf("."); dot > 0; dot = key.indexOf(".", dot + 1)) {
      const above = key.slice(0, dot);
      if (keys.has(above)) {
        throw badFile(name, `it gives ${above} both a value and keys under it (${key})`);
      }
    }
  }
  return entries;
}

/** Render a config document in `format`. */
export async function renderConfigFile(doc: JsonObject, format: ConfigFormat): Promise<string> {
  if (format === "json") return JSON.stringify(doc, null, 2) + "\n";
  const { stringify } = await import("smol-toml");
  const text = stringify(doc);
  return text.endsWith("\n") || text === "" ? text : text + "\n";
}

/** Format from `--format` or the file name's extension (else undefined). */
export function guessFormat(flag: string | undefined, path: string): ConfigFormat | undefined {
  if (flag === "json" || flag === "toml") return flag;
  if (/\.json$/i.test(path)) return "json";
  if (/\.toml$/i.test(path)) return "toml";
  return undefined;
}
