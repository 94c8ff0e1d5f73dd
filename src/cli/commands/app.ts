/**
 * @module app
 * `mycel app add|list`: the installed-app list, a grow-only set (apps are
 * never removed automatically on other devices).
 */

import { ExitCode, withHint } from "../../errors.ts";
import { checkName } from "../../log/ops.ts";
import { safeText } from "../../text_safety.ts";
import { printableName } from "../typed_name.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { commitOps, withRead, withWrite } from "../session.ts";

/** An app name as typed, checked (the check is shared with peers' entries: the hint is ours). */
function appName(text: string): string {
  const hint = "An app name is text of up to 256 printable characters, without a space " +
    "at either end: mycel app add firefox";
  try {
    checkName("app name", text);
  } catch (e) {
    throw withHint(e, hint);
  }
  return printableName("app name", text, hint);
}

/** Every `app` command. */
export const appCommands: CommandSpec[] = [
  {
    path: ["app", "add"],
    aliases: [["add", "app"]],
    summary: "record installed apps (synced; never removed elsewhere)",
    args: [{ name: "NAME", help: "app name", variadic: true }],
    flags: [JSON_FLAG],
    examples: ["mycel app add firefox", "mycel app add ripgrep fd-find"],
    ...WRITES,
    async run(ctx, input) {
      const names = [
        ...new Set((input.args.NAME as string[]).map(appName)),
      ];
      const added = await withWrite(ctx, async (w) => {
        const have = new Set(w.view.apps());
        const fresh = names.filter((n) => !have.has(n));
        await commitOps(w, fresh.map((name) => ({ type: "app.add", name })));
        return fresh;
      });
      if (input.flags.json) {
        ctx.out.json({ added, already: names.filter((n) => !added.includes(n)) });
      } else {
        for (const n of names) {
          const shown = safeText(n);
          ctx.out.line(added.includes(n) ? `added ${shown}` : `${shown} was already listed`);
        }
      }
      return ExitCode.ok;
    },
  },
  {
    path: ["app", "list"],
    aliases: [["show", "apps"]],
    summary: "list installed apps across devices",
    args: [],
    flags: [JSON_FLAG],
    ...LOCAL,
    async run(ctx, input) {
      const apps = await withRead(ctx, (home) => home.view.apps());
      if (input.flags.json) ctx.out.json(apps);
      else if (apps.length === 0) ctx.out.error("No apps recorded.");
      else for (const a of apps) ctx.out.line(safeText(a));
      return ExitCode.ok;
    },
  },
];
