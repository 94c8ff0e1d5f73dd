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
import { shellWord } from "../shell_word.ts";
import { safeText } from "../text_safety.ts";

/**
 * How files whose deletions are held come back from the other devices: a
 * folder joined again where it was left does not publish what went
 * missing meanwhile, it fetches it. Said with the hold, or the one way back
 * after deleting by mistake was said nowhere.
 */
export function wayBack(folder: string, root: string): string {
  return `\`mycel folder remove ${folder}\`, then \`mycel folder join ${folder} ${
    safeText(shellWord(root))
  }\``;
}

/** Ask on a terminal (or take --yes) before a mass deletion. */
export function massDeleteConfirm(ctx: CommandContext, yes: boolean, sayHeld = true) {
  return async (
    folder: string,
    n: number,
    of: number,
    root: string,
    label = folder,
  ): Promise<boolean> => {
    if (yes) return true;
    const one = n === 1;
    // Named as a person knows it; the commands it gives take the id.
    const gone = `${label}: ${n} of ${plural(of, "file")} ${one ? "is" : "are"} gone`;
    if (!ctx.stdinIsTerminal) {
      ctx.out.error(
        `${gone} on disk: ${one ? "the deletion is" : "the deletions are"} held. ` +
          `If ${one ? "it is" : "they are"} meant, run \`mycel folder scan ${folder} --yes\`; ` +
          `to get the ${one ? "file" : "files"} back here instead: ${wayBack(folder, root)}.`,
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
        `${label}: held: ${one ? "the deletion stays" : `the ${n} deletions stay`} here; ` +
          `the other devices keep the ${one ? "file" : "files"}. ` +
          `If ${one ? "it is" : "they are"} meant, run \`mycel folder scan ${folder} --yes\`; ` +
          `to get the ${one ? "file" : "files"} back here instead: ${wayBack(folder, root)}.`,
      );
    }
    return ok;
  };
}
