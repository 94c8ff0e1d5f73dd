/**
 * @module symlink_target
 * Symlinks sync as links: their target text travels as is and mycel never
 * follows one. These helpers say whether a target can travel (printable
 * text, bounded) and whether it points outside the folder — which is
 * reported (once, by the scan that publishes it: ScanReport.linksOut), not
 * refused: the link is the user's, and it is never followed.
 */

import { hasControlChar } from "../bytes.ts";
import { utf8Length } from "./logged_path.ts";

/** Longest symlink target accepted, in UTF-8 bytes. */
export const MAX_TARGET_BYTES = 4096;

/** Why `target` can't sync, or undefined when it can. */
export function symlinkTargetProblem(target: unknown): string | undefined {
  if (typeof target !== "string" || target === "") return "the link target is empty";
  if (!target.isWellFormed() || hasControlChar(target)) {
    return "the link target is not printable text";
  }
  if (utf8Length(target) > MAX_TARGET_BYTES) return "the link target is too long";
  return undefined;
}

/**
 * True when the link at folder-relative `path` with `target` points outside
 * the folder: an absolute target, or one whose `..` climb above the root
 * (resolved by text only, as the link would be from its own folder).
 */
export function symlinkEscapes(path: string, target: string): boolean {
  if (target.startsWith("/")) return true;
  const parts = path.split("/").slice(0, -1);
  for (const seg of target.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) return true;
      parts.pop();
    } else {
      parts.push(seg);
    }
  }
  return false;
}
