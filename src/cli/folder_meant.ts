/**
 * @module folder_meant
 * Folder commands take a folder's id, which `folder add` makes random
 * (`2p547-v4hbr`); a user types the name `folder list` shows, or the
 * folder's path. A command refusing such an ID (no folder has that id, or
 * it is no id at all: a path) says which folder it names and the command
 * to run with its id. The id is still required: a name is not unique (two
 * devices may share two "Documents") and may be another folder's id.
 * Applied to every folder command whose first argument is `ID`
 * (commands/folder.ts), in one place rather than at each of their errors.
 */

import { resolve } from "node:path";
import { MycelError } from "../errors.ts";
import type { CommandSpec } from "./command.ts";
import { safeText } from "../text_safety.ts";
import { withRead } from "./session.ts";

/** Does `e` refuse the ID argument itself (unknown here, or not an id)? */
function refusesId(e: unknown): e is MycelError {
  return e instanceof MycelError &&
    (e.code === "unknown_folder" || (e.code === "usage" && e.action === "use folder id"));
}

/** `spec` whose refusals of its ID argument name the folder that ID means, when one does. */
export function namingMeant(spec: CommandSpec): CommandSpec {
  if (spec.args[0]?.name !== "ID") return spec;
  // The rest of its arguments as the help names them (`folder join ID PATH`).
  const rest = spec.args.slice(1).filter((a) => !a.optional).map((a) => ` ${a.name}`).join("");
  const command = spec.path.join(" ");
  return {
    ...spec,
    async run(ctx, input) {
      try {
        return await spec.run(ctx, input);
      } catch (e) {
        const given = input.args.ID;
        if (!refusesId(e) || typeof given !== "string" || given === "") throw e;
        const meant = await withRead(ctx, (home) => {
          const roots = [resolve(given)];
          try {
            roots.push(Deno.realPathSync(given));
          } catch { /* no such path: a name, or nothing */ }
          const at = home.folderLocal.folders().find((f) => roots.includes(f.root));
          if (at !== undefined) return { id: at.folder, how: "where folder ID syncs here" };
          const named = [...home.view.folders().shares()].filter(([, s]) => s.name === given);
          return named.length === 1 ? { id: named[0][0], how: "the name of folder ID" } : undefined;
        }).catch(() => undefined);
        if (meant === undefined || meant.id === given) throw e;
        throw new MycelError(e.code, e.action, e.reason, {
          value: e.value,
          hint: `${safeText(given)} is ${meant.how.replace("ID", meant.id)}: give its id, ` +
            `\`mycel ${command} ${meant.id}${rest}\`.`,
          exit: e.exit,
          cause: e,
        });
      }
    },
  };
}
