/**
 * @module config_input
 * What a user may give `mycel config`: keys (any valid dotted key but
 * mycel's own, `mycel.`, which the config the user sees also hides) and
 * VALUE text, stored as JSON when it is JSON, else as text — never rounded,
 * never stored as text when it is valid JSON that can't be kept as given.
 * Apart from the commands (commands/config.ts, config_import_export.ts):
 * `set` and `import` check keys the same way.
 */

import { isJson, type Json, MAX_JSON_DEPTH } from "../crdt/json.ts";
import { ExitCode, MycelError, usageError, withHint } from "../errors.ts";
import { checkConfigKey } from "../log/ops.ts";
import { isReservedConfigKey } from "../log/reserved_config.ts";
import type { StateView } from "../log/state.ts";
import { quotedText } from "../text_safety.ts";

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

/** What a config key may be, with one to copy. */
export const CONFIG_KEY_HINT = "A config key is letters, digits, `_` or `-`, in parts joined " +
  "by dots: mycel config set editor.tab_size 4";

/** A config key the user may set or read: any valid key but mycel's own (`mycel.`). */
export function userConfigKey(text: string): string {
  let key;
  try {
    key = checkConfigKey(text);
  } catch (e) {
    // The check is shared with decoding peers' entries: the hint is the command's.
    throw withHint(e, CONFIG_KEY_HINT);
  }
  if (isReservedConfigKey(key)) {
    throw new MycelError(
      "bad_input",
      "use config key",
      "keys starting with `mycel.` are mycel's own",
      {
        value: quotedText(key),
        hint: "Pick another name.",
        exit: ExitCode.usage,
      },
    );
  }
  return key;
}

/** The config the user sees (mycel's own keys hidden). */
export function userConfigs(view: StateView): [string, Json][] {
  return view.configs().filter(([k]) => !isReservedConfigKey(k));
}
