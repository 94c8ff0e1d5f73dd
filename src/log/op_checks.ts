/**
 * @module op_checks
 * What an op's fields may be: names (preference keys, app names, pattern
 * ids), dotted config keys, preference values and patterns, with their
 * length limits. The same checks run where a user types a value (the CLI),
 * where an op is decoded from a peer (op_codec.ts, file_ops.ts) and where a
 * checkpoint is read, so nothing one device accepts is refused by another.
 * A failed check is a `bad_input` usage error naming the field.
 */

import { isJsonObject, type JsonObject } from "../crdt/json.ts";
import { hasControlChar } from "../bytes.ts";
import { ExitCode, MycelError } from "../errors.ts";
import { quotedText, safeText } from "../text_safety.ts";

/** Longest key, name or id accepted (characters). */
export const MAX_KEY_LENGTH = 256;
/** Longest preference value accepted (characters). */
export const MAX_PREF_LENGTH = 65536;

const CONFIG_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** A `bad_input` usage error for `what` (the value shown, cut to 80 characters). */
export function bad(what: string, reason: string, value?: string): MycelError {
  const shown = value === undefined ? undefined : quotedText(value.slice(0, 80));
  return new MycelError("bad_input", `use ${what}`, reason, { value: shown, exit: ExitCode.usage });
}

/** A JSON value as a message shows it: its JSON text, cut to 80 characters. */
function shownJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return safeText(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Check a name-like string (pref key, app name, pattern id); returns it. */
export function checkName(what: string, text: unknown): string {
  if (typeof text !== "string") {
    throw new MycelError("bad_input", `use ${what}`, "it must be text", {
      value: shownJson(text),
      exit: ExitCode.usage,
    });
  }
  if (text.length === 0) throw bad(what, "it is empty", text);
  if (text.length > MAX_KEY_LENGTH) {
    throw bad(what, `it is longer than ${MAX_KEY_LENGTH} characters`, text);
  }
  if (hasControlChar(text)) throw bad(what, "it contains a control character", text);
  if (text.trim() !== text) throw bad(what, "it starts or ends with a space", text);
  return text;
}

/** Check a dotted config key such as `editor.font.size`; returns it. */
export function checkConfigKey(text: unknown): string {
  const key = checkName("config key", text);
  if (!CONFIG_KEY.test(key)) throw bad("config key", configKeyProblem(key), key);
  return key;
}

/**
 * What breaks the config key rule (letters, digits, `_` or `-`, in parts
 * joined by dots), said as a reason: the rule itself was the reason before,
 * which told the user what to do but not what was wrong.
 */
function configKeyProblem(key: string): string {
  if (key.split(".").some((part) => part === "")) {
    return "a part between its dots is empty (a dot at either end, or two in a row)";
  }
  const other = [...key].find((c) => !/[A-Za-z0-9_.-]/.test(c))!;
  return other === " " ? "it holds a space" : `it holds ${quotedText(other)}`;
}

/** Check a preference value; returns it. */
export function checkPrefValue(text: unknown): string {
  if (typeof text !== "string") throw bad("preference value", "it is not text");
  if (text.length > MAX_PREF_LENGTH) {
    throw bad(
      "preference value",
      `it has ${text.length} characters, more than ${MAX_PREF_LENGTH}`,
      text,
    );
  }
  return text;
}

/** Check a pattern: a JSON object with a non-empty string `id`; returns it. */
export function checkPattern(value: unknown): JsonObject {
  const shown = { value: shownJson(value), exit: ExitCode.usage };
  if (!isJsonObject(value)) {
    throw new MycelError("bad_input", "use pattern", "it must be a JSON object", shown);
  }
  if (!("id" in value)) {
    throw new MycelError("bad_input", "use pattern", "it has no `id` field", shown);
  }
  checkName("pattern id", value.id);
  return value;
}
