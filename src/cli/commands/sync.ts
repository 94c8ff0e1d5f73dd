/**
 * @module sync
 * `mycel sync now` (one round with the peers) and `mycel sync serve`
 * (answer sync connections on stdin/stdout or a TCP port). What bounds a
 * round (flags, MYCEL_SESSION_BUDGET and the like): ../sync_bounds.ts; how
 * its outcome is told: ../sync_outcome.ts and ../sync_folders_report.ts.
 */

import { ExitCode, interruptedError, MycelError, usageError } from "../../errors.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { REJOIN_HINT, removalInOutcomes, removalMessage } from "../removal.ts";
import { homeRoot } from "../session.ts";
import { plural } from "../../human.ts";
import { massDeleteConfirm } from "../mass_delete.ts";
import { discoveryOn, fileBudget, parseSeconds, sessionTuning } from "../sync_bounds.ts";
import { filesByPeer, outcomeLine, outcomesJson, roundExitCode } from "../sync_outcome.ts";
import { printScanNotes, reportFolders } from "../sync_folders_report.ts";
import { lazyImport } from "../../lazy_import.ts";

async function syncNow(
  ctx: CommandContext,
  o: {
    json: boolean;
    timeoutMs: number;
    all: boolean;
    quiet: boolean;
    push: boolean;
    yes: boolean;
  },
): Promise<number> {
  const { syncRound } = await lazyImport<typeof import("../../sync/round.ts")>(
    new URL("../../sync/round.ts", import.meta.url),
  );
  const { meshRoutes } = await lazyImport<typeof import("../routes.ts")>(
    new URL("../routes.ts", import.meta.url),
  );
  const { addressesFrom } = await lazyImport<typeof import("../../sync/self_record.ts")>(
    new URL("../../sync/self_record.ts", import.meta.url),
  );
  const routes = meshRoutes(ctx.now);
  // Folders: local changes are scanned and published first, so they travel in this round.
  const folderOptions = {
    now: ctx.now,
    env: ctx.env,
    timeoutMs: o.timeoutMs,
    routes,
    tuning: sessionTuning(ctx.env),
    progress: o.quiet || o.json ? undefined : ctx.out.progress,
    confirmMassDelete: massDeleteConfirm(ctx, o.yes),
    budget: fileBudget(ctx.env),
    // Ctrl-C stops a scan (nothing of it recorded) as it stops the fetching.
    signal: ctx.signal,
    // run() took the round guard: a hold the scan finds is a dead round's.
    roundGuard: true,
  };
  const folderRound = o.push
    ? undefined
    : await lazyImport<typeof import("../../sync/folder_round.ts")>(
      new URL("../../sync/folder_round.ts", import.meta.url),
    );
  let scans: Awaited<ReturnType<NonNullable<typeof folderRound>["scanFolders"]>> = [];
  try {
    if (folderRound) scans = await folderRound.scanFolders(homeRoot(ctx), folderOptions);
  } catch (e) {
    // Ctrl-C during the scan: --json still prints one document (no session ran).
    if (o.json && ctx.signal.aborted) ctx.out.json([]);
    throw e;
  }
  if (!o.quiet && !o.json) printScanNotes(ctx, scans);
  // The round's view of local state says whether a mesh interface is recorded.
  let mesh: { interface: string } | undefined | "unknown" = "unknown";
  let recovering: { have: number; upTo: number } | undefined;
  const outcomes = await syncRound(homeRoot(ctx), {
    now: ctx.now,
    finally: (home) => {
      // After repair, writes wait for this device's own lost entries.
      const upTo = home.local.get("recoverOwnTo");
      const have = home.log.head(home.device)?.seq ?? 0;
      if (upTo !== undefined && have < upTo) recovering = { have, upTo };
    },
    env: ctx.env,
    timeoutMs: o.timeoutMs,
    all: o.all,
    routes: (peer, home) => {
      mesh = home.local.get("mesh");
      return routes(peer, home);
    },
    tuning: sessionTuning(ctx.env),
    // The device's own record follows its addresses (checked each round).
    addresses: () => addressesFrom(ctx.env),
    // A background push after a write stays quick: no probe.
    ...(o.push || !discoveryOn(ctx.env) ? {} : { discovery: {} }),
    // Compaction (at most daily) belongs to the timer's rounds, not to pushes after a write.
    compact: !o.push,
    progress: o.quiet ? undefined : ctx.out.progress,
    // Each peer's line as its session ends (everything it sent is stored by
    // then), not all of them after the slowest.
    onOutcome: o.json || o.quiet ? undefined : (out) => {
      ctx.out.progress("");
      ctx.out.line(outcomeLine(out));
    },
    // Ctrl-C: no session waits on its peer any more.
    signal: ctx.signal,
  });
  // --json prints the rows once, after the file phase when one runs (each
  // row says what it fetched from that peer), and before any error.
  let printed = false;
  const printJson = (folders?: Parameters<typeof filesByPeer>[0]) => {
    if (!o.json || printed) return;
    printed = true;
    const files = folders === undefined ? undefined : filesByPeer(folders);
    ctx.out.json(outcomesJson(outcomes, files));
  };
  if (ctx.signal.aborted) {
    printJson(); // what the sessions did before Ctrl-C, as after it in the file phase
    throw interrupted();
  }
  if (folderRound === undefined) printJson();
  // Ctrl-C or SIGTERM during the file phase: the rows at once (without what
  // it fetched), for main.ts ends the process 3 s later if the phase has not
  // wound down by then.
  ctx.signal.addEventListener("abort", () => printJson(), { once: true });
  if (!o.json && outcomes.length === 0 && !o.quiet) {
    ctx.out.line("No peers yet: add one with `mycel pair` (or `mycel mesh add-peer`).");
  }
  try {
    // Revoked devices leave this device's WireGuard within the round.
    const { afterRound } = await lazyImport<typeof import("./mesh_after_round.ts")>(
      new URL("./mesh_after_round.ts", import.meta.url),
    );
    for (const note of await afterRound(homeRoot(ctx), { now: ctx.now, env: ctx.env, mesh })) {
      ctx.out.error(note);
    }
    const removal = removalInOutcomes(outcomes);
    if (removal) {
      throw new MycelError("removed_from_mesh", "sync", removalMessage(removal), {
        hint: REJOIN_HINT,
      });
    }
    let code = roundExitCode(outcomes.map((x) => x.status));
    // A round that did not bring the lost entries back (no peer, none reached
    // that holds them) has not done its job: changes here still wait.
    if (recovering !== undefined) {
      if (!o.quiet) {
        ctx.out.error(
          `note: this device's own log still lacks entries ${
            recovering.have + 1
          }–${recovering.upTo} ` +
            "(lost to damage, see `mycel repair`): no peer that holds them was reached, and " +
            "changes here wait until one is (or run `mycel repair --accept-loss`)",
        );
      }
      if (code === ExitCode.ok) code = ExitCode.unreachable;
    }
    if (folderRound === undefined) return code;
    // Ctrl-C or SIGTERM: no file is fetched any more (main.ts ends the process 3 s after it anyway).
    if (ctx.signal.aborted) throw interrupted();
    // Then files: every folder synced here is brought to the state this round delivered.
    const applied = await folderRound.applyFolders(homeRoot(ctx), folderOptions);
    printJson(applied);
    const { stopped, partial } = reportFolders(ctx, o, scans, applied);
    if (ctx.signal.aborted) throw interrupted();
    if (stopped) return ExitCode.failure;
    if (partial && code === ExitCode.ok) return ExitCode.unreachable;
    return code;
  } finally {
    printJson(); // an error on the way: the rows still come first
  }
}

/** A round stopped by Ctrl-C or SIGTERM: exit 130, like the pairing commands. */
function interrupted(): MycelError {
  return interruptedError("finish the sync round", {
    hint: "What it received so far (entries, what its files got) is kept; the next round " +
      "(`mycel sync now`) goes on from there.",
  });
}

/** The `sync` commands. */
export const syncCommands: CommandSpec[] = [
  {
    path: ["discovery", "respond"],
    summary: "answer LAN discovery probes handed over by the mycel-discovery socket unit",
    description:
      "--stdio reads the probes of members looking for this device from standard input (a\n" +
      "systemd datagram socket, Accept=no, on UDP 7850), answers each with this device's\n" +
      "sync port, and exits after 10 quiet seconds. See docs/discovery.md.",
    args: [],
    flags: [
      { name: "stdio", help: "read probes from standard input (required)" },
      {
        name: "sync-port",
        value: "N",
        help: "TCP port this device accepts sync on (default: its recorded endpoint's)",
      },
    ],
    ...LOCAL,
    async run(ctx, input) {
      if (input.flags.stdio !== true) {
        throw usageError("run mycel discovery respond", "give --stdio (systemd hands the socket)");
      }
      const portText = input.flags["sync-port"] as string | undefined;
      const syncPort = portText === undefined ? undefined : Number(portText);
      if (
        syncPort !== undefined && (!Number.isInteger(syncPort) || syncPort < 1 || syncPort > 65535)
      ) {
        throw usageError("use --sync-port", "it must be 1–65535", { value: portText });
      }
      const { answerStdio } = await lazyImport<typeof import("../../sync/discovery_serve.ts")>(
        new URL("../../sync/discovery_serve.ts", import.meta.url),
      );
      const n = await answerStdio(homeRoot(ctx), {
        syncPort,
        env: ctx.env,
        log: (line) => ctx.out.error(safeText(line)),
      });
      ctx.out.error(`answered ${plural(n, "probe")}`);
      // The last read of standard input cannot be cancelled: leave now.
      Deno.exit(ExitCode.ok);
    },
  },
  {
    path: ["sync", "now"],
    summary: "run one sync round with every peer, in parallel",
    description: "Each peer gets a line as its session ends: synced (sent N, received M),\n" +
      "unreachable (why) or refused (why). In meshes of more than 8 devices a round talks to\n" +
      "the peers that lack this device's changes plus a few others (--all: every peer).\n" +
      "Exit 0 when every peer synced; 3 when none was reachable, or only some synced; 1 when\n" +
      "none synced. Only one round runs per home at a time: while one runs, another exits 0\n" +
      "at once with a note (so cron needs no flock). Synced folders: local changes are\n" +
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
        if (input.flags.json === true) ctx.out.json([]);
        return ExitCode.ok;
      }
      // One round at a time per home: an overlapping one (a slow round, a timer
      // firing while you run it by hand) has nothing to add, so it steps aside.
      const { tryRoundGuard } = await lazyImport<typeof import("../../storage/round_lock.ts")>(
        new URL("../../storage/round_lock.ts", import.meta.url),
      );
      const taken = await tryRoundGuard(homeRoot(ctx));
      if (!taken.held) {
        const who = taken.holder ? ` (pid ${taken.holder})` : "";
        if (input.flags.quiet !== true) {
          ctx.out.error(`Another sync round is running${who}; this one is skipped.`);
        }
        // As offline: --json always prints this invocation's sessions (none),
        // so a script reading it gets JSON, not an empty stdout.
        if (input.flags.json === true) ctx.out.json([]);
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
      });
    },
  },
  {
    path: ["sync", "serve"],
    summary: "answer sync connections (--stdio for inetd/systemd, or --listen HOST:PORT)",
    description:
      "--stdio serves one session on stdin/stdout (systemd socket with Accept=yes, or\n" +
      "inetd). --listen serves in the foreground until SIGINT/SIGTERM, and answers LAN\n" +
      "discovery probes of the mesh's members on UDP 7850 (unless MYCEL_DISCOVERY=off or\n" +
      "the discovery socket unit holds that port). One line per session goes to standard\n" +
      "error. SIGINT/SIGTERM stop it with 0, or 130 when sessions in progress still run\n" +
      "3 seconds later.",
    args: [],
    flags: [
      { name: "stdio", help: "serve one session on stdin/stdout" },
      { name: "listen", value: "HOST:PORT", help: "listen on this address in the foreground" },
      {
        name: "timeout",
        value: "SECONDS",
        help: "give up on a silent peer after this long (default 30)",
      },
    ],
    globals: ["home"],
    exits: [0, 1, 2, 130],
    async run(ctx, input) {
      const stdio = input.flags.stdio === true;
      const listen = input.flags.listen as string | undefined;
      if (stdio === (listen !== undefined)) {
        throw usageError(
          "run mycel sync serve",
          "give exactly one of --stdio and --listen HOST:PORT",
        );
      }
      const timeoutMs = parseSeconds(input.flags.timeout, 30_000);
      const { limitsFor } = await lazyImport<typeof import("../../sync/round.ts")>(
        new URL("../../sync/round.ts", import.meta.url),
      );
      const ports = listen ? [parseEndpoint(listen).port] : [];
      const serve = await lazyImport<typeof import("../../sync/serve.ts")>(
        new URL("../../sync/serve.ts", import.meta.url),
      );
      const options = {
        now: ctx.now,
        env: ctx.env,
        limits: limitsFor(timeoutMs, ports, sessionTuning(ctx.env)),
        log: (line: string) => ctx.out.error(safeText(line)),
      };
      if (stdio) {
        const { openStdioStream } = await lazyImport<typeof import("../../transport/stdio.ts")>(
          new URL("../../transport/stdio.ts", import.meta.url),
        );
        const stream = openStdioStream();
        const o = await serve.serveOne(homeRoot(ctx), stream, {
          path: "stdio",
          address: stream.remote,
        }, options);
        return o.status === "synced" ? ExitCode.ok : ExitCode.failure;
      }
      const ep = parseEndpoint(listen!);
      let answering: Promise<void> = Promise.resolve();
      await serve.serveListen(homeRoot(ctx), ep.host, ep.port, ctx.signal, {
        ...options,
        onListening: (port) => {
          ctx.out.error(`listening on ${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${port}`);
          // The device advertises the port it really listens on (src/mesh/self_endpoints.ts).
          void lazyImport<typeof import("../../sync/self_record.ts")>(
            new URL("../../sync/self_record.ts", import.meta.url),
          ).then((r) => r.refreshAt(homeRoot(ctx), ctx.env, port))
            .catch((e) =>
              ctx.out.error(`note: endpoints not updated: ${safeText((e as Error).message)}`)
            );
          // Members looking for this device on the link find it here (docs/discovery.md).
          if (discoveryOn(ctx.env)) {
            answering = lazyImport<typeof import("../../sync/discovery_serve.ts")>(
              new URL("../../sync/discovery_serve.ts", import.meta.url),
            ).then((d) =>
              d.answerWhileServing(homeRoot(ctx), port, ctx.signal, {
                env: ctx.env,
                log: (line) => ctx.out.error(safeText(line)),
              })
            ).catch((e) => ctx.out.error(`discovery: ${safeText((e as Error).message)}`));
          }
        },
      });
      await answering;
      return ExitCode.ok;
    },
  },
];
