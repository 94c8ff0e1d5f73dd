/**
 * @module mass_delete
 * The question before a scan propagates many deletions at once (a folder
 * emptied by mistake, a disk not mounted): `folder scan` and `sync now` ask
 * it the same way. Without a terminal the deletions are held and the command
 * says how to let them through.
 */

import { plural } from "../human.ts";
import type { CommandContext } from "./command.ts";

/** Ask on a terminal (or take --yes) before a mass deletion. */
export function massDeleteConfirm(ctx: CommandContext, yes: boolean) {
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
    return a !== null && /^y(es)?$/i.test(a.trim());
  };
}
