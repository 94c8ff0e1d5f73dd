/**
 * @module mass_delete
 * The question before a scan propagates many deletions at once (a folder
 * emptied by mistake, a disk not mounted): `folder scan` and `sync now` ask
 * it the same way. Without a terminal the deletions are held and the command
 * says how to let them through; on a terminal a no says the same, unless
 * the command's own report says it (`folder scan`'s scan line).
 */

import { plural } from "../human.ts";
import type { CommandContext } from "./command.ts";

/** Ask on a terminal (or take --yes) before a mass deletion. */
export function massDeleteConfirm(ctx: CommandContext, yes: boolean, sayHeld = true) {
  return async (folder: string, n: number, of: number): Promise<boolean> => {
    if (yes) return true;
    const one = n === 1;
    const gone = `${folder}: ${n} of ${plural(of, "file")} ${one ? "is" : "are"} gone`;
    if (!ctx.stdinIsTerminal) {
      ctx.out.error(
        `${gone} on disk: ${one ? "the deletion is" : "the deletions are"} held. ` +
          `If ${one ? "it is" : "they are"} meant, run \`mycel folder scan ${folder} --yes\`.`,
      );
      return false;
    }
    // Ctrl-C drops the question: held, and the scan stops (it records nothing).
    const a = await ctx.ask(
      `${gone} here. Delete ${one ? "it" : "them"} on every device? [y/N] `,
      ctx.signal,
    );
    const ok = a !== null && /^y(es)?$/i.test(a.trim());
    // A no answered in silence left the user guessing what it did (`sync now`
    // went on to its round without a word of the deletions).
    if (!ok && a !== null && sayHeld) {
      ctx.out.error(
        `${folder}: held: ${one ? "the deletion stays" : `the ${n} deletions stay`} here; ` +
          `the other devices keep the ${one ? "file" : "files"}. ` +
          `If ${one ? "it is" : "they are"} meant, run \`mycel folder scan ${folder} --yes\`.`,
      );
    }
    return ok;
  };
}
