/**
 * @module shell_word
 * A path as one shell word, for the commands hints give to copy. Beside
 * errors.ts so that every layer's hints quote alike (a hint in files/ or
 * sync/ cannot import cli/), and small so that what `sync now` loads at
 * start (cli/mass_delete.ts) stays small.
 */

/** `text` in single quotes, each `'` in it closed, escaped and reopened: one shell word. */
export function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `text` as one shell word (quoted when it holds anything but plain path characters). */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : shellQuoted(text);
}
