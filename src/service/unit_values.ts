/**
 * @module unit_values
 * Values written into unit files by mycel beyond ExecStart (which
 * `quoteExec` in units.ts handles): paths and environment values. `%` is
 * doubled (systemd expands specifiers); values systemd would split or
 * unescape (whitespace, quotes, backslash, control characters) are refused
 * with a named error rather than risked. Pure.
 */

import { MycelError } from "../errors.ts";
import { CREDENTIAL_NAME } from "../storage/key_creds.ts";
import { quotedText } from "../text_safety.ts";

/** `LoadCredentialEncrypted=` line for the units (path checked, `%` escaped). */
export function credentialUnitLine(path: string): string {
  return `LoadCredentialEncrypted=${CREDENTIAL_NAME}:${unitPath(path)}`;
}

/**
 * A value for a unit file: `%` doubled (systemd expands specifiers); values
 * systemd would split or unescape (whitespace, quotes, backslash, control
 * characters) are refused rather than risked.
 */
export function unitValue(value: string): string {
  // deno-lint-ignore no-control-regex
  if (/[\s"'\\\x00-\x1f\x7f]/.test(value)) {
    throw new MycelError(
      "bad_input",
      "write unit file",
      "a path has whitespace, quotes or backslashes",
      { value: quotedText(value), hint: "Use a home (or file) path without them." },
    );
  }
  return value.replace(/%/g, "%%");
}

/** An absolute path as a unit-file value (see {@link unitValue}). */
export function unitPath(path: string): string {
  if (!path.startsWith("/")) {
    throw new MycelError("bad_input", "write unit file", "a path is not absolute", {
      value: quotedText(path),
    });
  }
  return unitValue(path);
}
