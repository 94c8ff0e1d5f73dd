/**
 * @module sync
 * `mycel sync now` (one round with the peers) and the list of the `sync`
 * and `discovery` commands. The round itself: ./sync_now_round.ts; `sync
 * serve`: ./sync_serve.ts; `discovery respond`: ./discovery_respond.ts. What
 * bounds a round (flags, MYCEL_SESSION_BUDGET and the like): ../sync_bounds.ts;
 * how its outcome is told: ../sync_outcome.ts and ../sync_folders_report.ts.
 */

import { ExitCode } from "../../errors.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { homeRoot } from "../session.ts";
import { parseSeconds } from "../sync_bounds.ts";
import { lazyImport } from "../../lazy_import.ts";
import { discoveryRespondCommand } from "./discovery_respond.ts";
import { syncNow } from "./sync_now_round.ts";
import { syncServeCommand } from "./sync_serve.ts";

/** `mycel sync now`: takes the round guard, then runs the round (sync_now_round.ts). */
const syncNowCommand: CommandSpec = {
  path: ["sync", "now"],
  summary: "run one sync round with every peer, in parallel",
  description: "Each peer gets a line as its session ends: synced (sent N, received M),\n" +
    "unreachable (why) or refused (why). In meshes of more than 8 devices a round talks to\n" +
    "the peers that lack this device's changes plus a few others, at most 16, those seen\n" +
    "lately first (--all: every peer).\n" +
    "Exit 0 when every peer synced (or there is none); 3 when some synced and the others\n" +
    "did not, or when no peer could be reached at all; 1 when none synced and at least one\n" +
    "was reached but refused or failed. Only one round runs per home at a time: while one\n" +
    "runs, another exits 0\n" +
    "at once with a note (so cron needs no flock); the push after a change (--push) is\n" +
    "waited for, up to 20 s. Synced folders: local changes are\n" +
    "scanned and sent first, then files are fetched (progress on a terminal); a stopped\n" +
    "folder (marker missing) makes the exit 1, files still to come make it 3 — not files\n" +
    "that no device syncing the folder has any more (each round says so; `mycel folder\n" +
    "override` ends the wait). Ctrl-C (or SIGTERM) exits 130 at once: a scan records\n" +
    "nothing, fetching stops and keeps what files got for the next round; whatever still\n" +
    "runs 3 seconds later is ended with 130.",
  args: [],
  flags: [
    JSON_FLAG,
    {
      name: "timeout",
      value: "SECONDS",
      help: "give up on a silent peer after this long (default 10)",
    },
    { name: "all", help: "sync with every peer, whatever the mesh's size" },
    {
      name: "push",
      help: "offer this device's new changes (used after a write; short timeouts)",
    },
    {
      name: "folders",
      help: "say every folder's outcome, even with nothing to do; with --json, print " +
        "{peers, folders} instead of the array of peers",
    },
    { name: "quiet", help: "print nothing (for background pushes)" },
    { name: "yes", help: "let a folder scan's mass deletion go out without asking" },
  ],
  globals: ["home", "no-sync"],
  exits: [0, 1, 2, 3, 130],
  async run(ctx, input) {
    const push = input.flags.push === true;
    const timeoutMs = parseSeconds(input.flags.timeout, push ? 3_000 : 10_000);
    if (ctx.offline) {
      if (input.flags.quiet !== true) {
        ctx.out.error("Offline (--no-sync or MYCEL_OFFLINE=1): not contacting peers.");
      }
      // --json always prints the round's outcomes: here, none.
      if (input.flags.json === true) ctx.out.json(noRound(input.flags.folders === true));
      return ExitCode.ok;
    }
    // One round at a time per home: an overlapping one (a slow round, a timer
    // firing while you run it by hand) has nothing to add, so it steps aside.
    const { tryRoundGuard } = await lazyImport<typeof import("../../storage/round_lock.ts")>(
      new URL("../../storage/round_lock.ts", import.meta.url),
    );
    let taken = await tryRoundGuard(homeRoot(ctx), push ? "push" : "round");
    // A write's push scans and fetches nothing: a whole round waits it out.
    if (!push && !taken.held && taken.kind === "push") {
      const { afterPush } = await lazyImport<typeof import("../round_wait.ts")>(
        new URL("../round_wait.ts", import.meta.url),
      );
      taken = await afterPush(ctx, taken, input.flags.quiet === true);
    }
    if (!taken.held) {
      const who = taken.holder ? ` (pid ${taken.holder})` : "";
      if (input.flags.quiet !== true) {
        ctx.out.error(`Another sync round is running${who}; this one is skipped.`);
      }
      // As offline: --json always prints this invocation's sessions (none),
      // so a script reading it gets JSON, not an empty stdout.
      if (input.flags.json === true) ctx.out.json(noRound(input.flags.folders === true));
      return ExitCode.ok;
    }
    using _ = taken.guard;
    return await syncNow(ctx, {
      json: input.flags.json === true,
      timeoutMs,
      all: input.flags.all === true,
      quiet: input.flags.quiet === true,
      push,
      yes: input.flags.yes === true,
      folders: input.flags.folders === true,
    });
  },
};

/** The --json document of a round that did not run: no session, no file phase. */
function noRound(folders: boolean): unknown {
  return folders ? { peers: [], folders: null } : [];
}

/** The `sync` commands. */
export const syncCommands: CommandSpec[] = [
  discoveryRespondCommand,
  syncNowCommand,
  syncServeCommand,
];
