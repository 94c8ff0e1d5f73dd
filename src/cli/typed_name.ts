/**
 * @module typed_name
 * Names typed on this device (device names, preference keys, app names)
 * refuse what would make them look like another name: control and bidi
 * characters and those that show as nothing (src/text_safety.ts
 * `unprintableIn`). Before, `gam\u200bma` was taken and read `gamma`, and
 * U+202E was taken and shown escaped, though the help promises printable
 * characters. What arrives from peers is not refused here: it is shown
 * escaped wherever it is shown.
 */

import { ExitCode, MycelError } from "../errors.ts";
import { quotedText, unprintableIn } from "../text_safety.ts";

/** `text` when it holds no unprintable code point; else bad_input naming the first. */
export function printableName(what: string, text: string, hint: string): string {
  const found = unprintableIn(text);
  if (found === undefined) return text;
  throw new MycelError(
    "bad_input",
    `use ${what}`,
    `it holds ${found}, a character that is invisible or changes how text reads`,
    { value: quotedText(text.slice(0, 80)), hint, exit: ExitCode.usage },
  );
}
