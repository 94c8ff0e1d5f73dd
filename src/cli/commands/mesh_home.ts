/**
 * @module mesh_home
 * The home a mesh command works on, said out loud when it runs as root and
 * no --home or MYCEL_HOME named it, and never a new one: `sudo mycel mesh
 * up` uses the invoking user's home (src/storage/home_sudo.ts); as root with
 * no home where it looked, a mesh command refuses instead of silently
 * founding a second mesh. Afterwards, files root created in a user's home
 * are given back to that user (src/storage/home_owner.ts).
 */

import { MycelError } from "../../errors.ts";
import { locateHome } from "../../storage/home_sudo.ts";
import { Home } from "../../storage/home_handle.ts";
import type { CommandContext } from "../command.ts";
import { absoluteHome, openRead, openWrite } from "../session.ts";
import { lazyImport } from "../../lazy_import.ts";

const HOW: Record<string, string> = {
  XDG_DATA_HOME: "from XDG_DATA_HOME",
  HOME: "root's own",
};

/**
 * As root, with a home found implicitly (sudo, XDG_DATA_HOME, HOME): print
 * which home is used, and refuse (`no_home`) when there is none rather than
 * create one. Returns the home.
 */
export async function meshHome(ctx: CommandContext, action: string): Promise<string> {
  const located = locateHome(ctx.homeFlag, ctx.env);
  const src = { ...located, root: absoluteHome(located.root) };
  // A home named with --home or MYCEL_HOME was chosen on purpose (a system
  // unit passes --home every round): only one found implicitly is announced,
  // and it must already exist.
  if (Deno.uid() !== 0 || src.how === "flag" || src.how === "MYCEL_HOME") return src.root;
  const why = src.how === "sudo" ? `${src.user}'s, through sudo` : HOW[src.how];
  ctx.out.error(`home: ${src.root} (${why})`);
  if (!(await Home.exists(src.root))) {
    throw new MycelError(
      "no_home",
      action,
      "there is no mycel home there, and root does not start a new mesh",
      {
        value: src.root,
        hint: src.how === "sudo"
          ? `Run \`mycel init\` (or \`mycel pair CODE\`) as ${src.user} first, without sudo, or pass --home DIR.`
          : "Run it with sudo from the account whose mesh it is, pass --home DIR, or run " +
            "`mycel init` first to give root a device of its own.",
      },
    );
  }
  return src.root;
}

/**
 * The home of a mesh command, open for writing (it must exist: a mesh
 * command never founds a mesh), closed after `fn`; root's files handed back.
 */
export async function withMeshHome<T>(
  ctx: CommandContext,
  action: string,
  fn: (home: Home) => Promise<T>,
  o: { write?: boolean } = {},
): Promise<T> {
  const root = await meshHome(ctx, action);
  try {
    using home = o.write === false ? await openRead(ctx) : await openWrite(ctx);
    return await fn(home);
  } finally {
    await giveBack(ctx, root);
  }
}

/** Give files root created in `root` back to the home's owner (no-op unless root). */
export async function giveBack(ctx: CommandContext, root: string): Promise<void> {
  if (Deno.uid() !== 0) return;
  const { restoreHomeOwner } = await lazyImport<typeof import("../../storage/home_owner.ts")>(
    new URL("../../storage/home_owner.ts", import.meta.url),
  );
  const note = await restoreHomeOwner(root).catch((e) => (e as Error).message);
  if (note) ctx.out.error(`note: ${note}`);
}
