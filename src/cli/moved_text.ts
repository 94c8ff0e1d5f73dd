/**
 * @module moved_text
 * How `sync now` and `folder conflicts` say a file moved on one device
 * while another edited it (src/files/moved_edited.ts): both are kept, the
 * edit at the old path, the content before it at the new one, and what the
 * user can do. One wording for both commands. And, once its edit was
 * carried to where the file moved (src/files/moved_carry.ts), that.
 */

import { safeText } from "../text_safety.ts";

/** A pair with its devices by name. */
export interface MovedNamed {
  readonly path: string;
  readonly movedTo: string;
  readonly movedBy: string;
  readonly editedBy: string;
}

/** "P was edited on B while A moved it to Q: both are kept (…)". */
export function movedText(m: MovedNamed): string {
  return `${safeText(m.path)} was edited on ${safeText(m.editedBy)} while ` +
    `${safeText(m.movedBy)} moved it to ${safeText(m.movedTo)}: both are kept ` +
    `(the edit at ${safeText(m.path)}, the content before it at ${safeText(m.movedTo)})`;
}

/** "P was edited on B while A moved it to Q: the edit goes there (…)". */
export function carryingText(m: MovedNamed): string {
  return `${safeText(m.path)} was edited on ${safeText(m.editedBy)} while ` +
    `${safeText(m.movedBy)} moved it to ${safeText(m.movedTo)}: the edit goes there ` +
    "(the next round of a device that holds it carries it)";
}

/** "the edit of P made on B was carried to Q, where A moved it". */
export function carriedText(m: MovedNamed): string {
  return `the edit of ${safeText(m.path)} made on ${safeText(m.editedBy)} was carried to ` +
    `${safeText(m.movedTo)}, where ${safeText(m.movedBy)} moved it`;
}

/** What ends such a pair, said once after the list. */
export const MOVED_HINT = "To keep the edit where the file moved, move it over the moved file " +
  "(e.g. `mv OLD NEW` in the folder); to keep the file where it was, delete NEW. " +
  "Either change syncs to every device.";
