/**
 * @module pattern
 * `mycel pattern add|remove|list`: learned patterns ("AI context"), JSON
 * objects with an `id`, kept in an observed-remove set: a remove deletes
 * only the adds this device has seen, so a concurrent add elsewhere wins.
 */

import { canonicalJson } from "../../crdt/json.ts";
import { ExitCode, MycelError, withHint } from "../../errors.ts";
import { checkName, checkPattern } from "../../log/ops.ts";
import { escapeInQuotedText, safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { commitOps, withRead, withWrite } from "../session.ts";
import { renderTable } from "../text_table.ts";

const PATTERN_HINT = `A pattern is a JSON object with a text "id" that names it:\n` +
  `mycel pattern add '{"id":"greeting","text":"hi"}'`;

function parsePattern(text: string) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MycelError(
      "bad_input",
      "add pattern",
      // Ours, not V8's ('Unexpected token 'o', "notjson" is not valid JSON'),
      // which repeated the value the message already names.
      "it is not valid JSON (a pattern is one JSON object)",
      {
        value: safeText(text.slice(0, 80)),
        hint: `Quote it for the shell (mycel pattern add '{"id":"greeting","text":"hi"}'),\n` +
          "or give - and pipe it in.",
        exit: ExitCode.usage,
      },
    );
  }
  try {
    return checkPattern(value);
  } catch (e) {
    // The check is shared with decoding peers' entries: the hint is the command's.
    throw withHint(e, PATTERN_HINT);
  }
}

/** Every `pattern` command. */
export const patternCommands: CommandSpec[] = [
  {
    path: ["pattern", "add"],
    aliases: [["add", "pattern"]],
    summary: "add or replace a learned pattern (a JSON object with an id)",
    args: [{
      name: "JSON",
      help: 'the pattern, e.g. \'{"id":"greet","text":"hi"}\'',
      stdin: true,
    }],
    flags: [JSON_FLAG],
    examples: [
      `mycel pattern add '{"id":"greeting","text":"Good morning!"}'`,
      "mycel pattern add - < pattern.json",
    ],
    ...WRITES,
    async run(ctx, input) {
      const value = parsePattern(input.args.JSON as string);
      const id = value.id as string;
      const { changed, replaced } = await withWrite(ctx, async (w) => {
        const none = { changed: false, replaced: false };
        if (canonicalJson(w.view.pattern(id)) === canonicalJson(value)) return none;
        // A pattern.add names nothing it replaced (its wire form has no
        // observed dots), so on its own the newest stamp would win: a
        // version stamped ahead by a fast clock elsewhere would hide this
        // write for good. Removing exactly what this device shows first, in
        // the same entry (applied in order), makes the write replace it
        // whatever the clocks say, and older releases read both ops.
        const seen = w.view.observed("patterns", id);
        await commitOps(w, [
          ...(seen.length > 0 ? [{ type: "pattern.remove" as const, id, dots: seen }] : []),
          { type: "pattern.add", id, value },
        ]);
        return { changed: true, replaced: seen.length > 0 };
      });
      const shown = safeText(id);
      if (input.flags.json) ctx.out.json({ id, changed, replaced });
      else if (!changed) ctx.out.line(`pattern ${shown} is already present`);
      // "added" for a new id only: a write over one this device shows replaces it.
      else ctx.out.line(`${replaced ? "replaced" : "added"} pattern ${shown}`);
      return ExitCode.ok;
    },
  },
  {
    path: ["pattern", "remove"],
    aliases: [["remove", "pattern"]],
    summary: "remove a pattern (adds made elsewhere and not yet seen survive)",
    args: [{ name: "ID", help: "the pattern's id" }],
    flags: [JSON_FLAG],
    ...WRITES,
    async run(ctx, input) {
      const id = checkName("pattern id", input.args.ID);
      await withWrite(ctx, async (w) => {
        const dots = w.view.observed("patterns", id);
        if (dots.length === 0) {
          throw new MycelError("no_such_pattern", "remove pattern", "no pattern has this id", {
            value: id,
            hint: "`mycel pattern list` shows the ids.",
            exit: ExitCode.usage,
          });
        }
        await commitOps(w, [{ type: "pattern.remove", id, dots }]);
      }, { create: false });
      if (input.flags.json) ctx.out.json({ removed: id });
      else ctx.out.line(`removed pattern ${safeText(id)}`);
      return ExitCode.ok;
    },
  },
  {
    path: ["pattern", "list"],
    aliases: [["show", "patterns"]],
    summary: "list learned patterns",
    args: [],
    flags: [JSON_FLAG],
    ...LOCAL,
    async run(ctx, input) {
      const entries = await withRead(ctx, (home) => home.view.patterns());
      if (input.flags.json) ctx.out.json(entries.map(([, v]) => v));
      else if (entries.length === 0) ctx.out.error("No patterns learned.");
      else {
        // Aligned as `mesh list` is (display width: a CJK id takes two columns a character).
        const rows = entries.map(([id, v]) => [id, escapeInQuotedText(canonicalJson(v))]);
        for (const l of renderTable([{ header: "id" }, { header: "pattern" }], rows)) {
          ctx.out.line(l);
        }
      }
      return ExitCode.ok;
    },
  },
];
