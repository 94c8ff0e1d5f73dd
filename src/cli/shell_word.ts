/**
 * @module shell_word
 * A path as one shell word, for the commands hints give to copy: apart
 * from folder_root.ts so that what `sync now` loads at start (mass_delete.ts)
 * does not load the folder-making code with it.
 */

/** `text` as one shell word (quoted when it holds anything but plain path characters). */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
