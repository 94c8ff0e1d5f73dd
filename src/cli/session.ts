/**
 * @module session
 * How commands open the home: read-only for queries; for writes, one
 * transaction (the first write implies `init`). A change is committed —
 * durable — before anything is reported; then a detached `sync now --push`
 * offers it to peers, so a sleeping laptop never keeps the user waiting (the
 * timer's next round catches whatever the push misses).
 */

import { isMycelError } from "../errors.ts";
import type { SignedEntry } from "../log/entry.ts";
import type { Op } from "../log/ops.ts";
import { resolveHome } from "../storage/home.ts";
import { Home } from "../storage/home_handle.ts";
import type { HomeWriter } from "../storage/home_writer.ts";
import type { CommandContext } from "./command.ts";
import { checkHomeFolder } from "./home_folder.ts";
import { lazyImport } from "../lazy_import.ts";

/**
 * The home folder this invocation uses, as an absolute path: a relative
 * `--home b` (or MYCEL_HOME) is shown by status, init and doctor, and named
 * in errors, where `b` says nothing once copied elsewhere.
 */
export function homeRoot(ctx: CommandContext): string {
  const root = absoluteHome(resolveHome(ctx.homeFlag, ctx.env));
  checkHomeFolder(root);
  return root;
}

/**
 * `root` made absolute against the working folder (as given when there is
 * none: it was removed). Only `.` and doubled slashes are dropped: a `..`
 * stays, since after a symlinked folder (`link/../h`) the system goes up
 * from where the link points, not from where it sits.
 */
export function absoluteHome(root: string): string {
  if (root.startsWith("/")) return root;
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return root;
  }
  const parts = root.split("/").filter((p) => p !== "" && p !== ".");
  return parts.length === 0 ? cwd : `${cwd === "/" ? "" : cwd}/${parts.join("/")}`;
}

/** Open the home read-only. */
export function openRead(ctx: CommandContext): Promise<Home> {
  return Home.open(homeRoot(ctx), {
    now: ctx.now,
    env: ctx.env,
    warn: ctx.out.error,
    signal: ctx.signal,
  });
}

/** Open the home read-only, run `fn`, close it. */
export async function withRead<T>(
  ctx: CommandContext,
  fn: (home: Home) => T | Promise<T>,
): Promise<T> {
  using home = await openRead(ctx);
  return await home.snapshot(() => fn(home));
}

/** Open the home for writing (several transactions; the caller closes it). */
export function openWrite(ctx: CommandContext): Promise<Home> {
  return Home.open(homeRoot(ctx), {
    write: true,
    now: ctx.now,
    env: ctx.env,
    warn: ctx.out.error,
    signal: ctx.signal,
  });
}

/**
 * Run `fn` in one write transaction on the home, creating the home first if
 * there is none (the first write implies `init`) — unless `create` is false:
 * a command that can only remove, unset, move or leave something that
 * exists fails on a missing home as a read does, and makes nothing (it used
 * to set up a whole new mesh, then fail). After a commit, peers are offered
 * the change in the background.
 */
export async function withWrite<T>(
  ctx: CommandContext,
  fn: (w: HomeWriter, home: Home) => Promise<T>,
  o: {
    create?: boolean;
    /**
     * Called once the write committed, before the push after it starts: a
     * command holding the round guard lets go of it there, or the push's
     * round would find it held and step aside (a review of `folder remove`).
     */
    committed?: () => void;
    /**
     * `fn` commits, and does more before that than reading the home (makes
     * a folder): the keys are read before its transaction, so that it runs
     * once (Home.write; without it, the first commit runs it again).
     */
    signs?: boolean;
  } = {},
): Promise<T> {
  const root = homeRoot(ctx);
  if (o.create !== false && !(await Home.exists(root))) {
    const { initHome } = await lazyImport<typeof import("./init_home.ts")>(
      new URL("./init_home.ts", import.meta.url),
    );
    // Several first writes may race to create the home; one wins, the
    // others simply use what it created.
    const created = await initHome(ctx, root, {}).catch((e) => {
      if (isMycelError(e, "already_initialized")) return undefined;
      throw e;
    });
    if (created) {
      ctx.out.error(`Set up a new mesh for this device in ${root} (device ${created.name}).`);
    }
  }
  const home = await openWrite(ctx);
  let committed = 0;
  try {
    const result = await home.write(async (w) => {
      const r = await fn(w, home);
      committed = w.committed;
      return r;
    }, { signs: o.signs });
    o.committed?.();
    if (committed > 0 && !ctx.offline && home.view.members().length > 1) {
      const { removalHere, removalMessage } = await lazyImport<typeof import("./removal.ts")>(
        new URL("./removal.ts", import.meta.url),
      );
      const removal = removalHere(home.view, home.device, home.local.peers());
      if (removal) {
        // Nobody takes it: say so instead of promising the next sync.
        ctx.out.error(
          `note: saved on this device only: ${removalMessage(removal)}; pair it again to rejoin`,
        );
      } else await pushInBackground(ctx, root);
    }
    return result;
  } finally {
    home.close();
  }
}

/**
 * Start `mycel sync now --push` detached: it outlives this process, its
 * output goes nowhere, and this command returns at once.
 */
async function pushInBackground(ctx: CommandContext, root: string): Promise<void> {
  if (ctx.env("MYCEL_NO_PUSH") === "1") return;
  try {
    const { thisMycel } = await lazyImport<typeof import("./self_command.ts")>(
      new URL("./self_command.ts", import.meta.url),
    );
    const [cmd, ...args] = thisMycel();
    const child = new Deno.Command(cmd, {
      args: [...args, "--home", root, "sync", "now", "--push", "--quiet"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.unref();
  } catch (e) {
    ctx.out.error(`note: saved here; peers get it at the next sync (${(e as Error).message})`);
  }
}

/** Commit `ops` as one entry (one command, one entry); undefined when there is nothing. */
export async function commitOps(
  w: HomeWriter,
  ops: readonly Op[],
): Promise<SignedEntry | undefined> {
  return await w.commit(ops);
}
