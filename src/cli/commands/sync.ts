/**
 * @module sync
 * `mycel sync now` (one round with the peers) and `mycel sync serve`
 * (answer sync connections on stdin/stdout or a TCP port).
 *
 * Two environment variables override a session's bounds, for tests and
 * unusual links (both sides read them, each for the sessions it runs):
 * - `MYCEL_SESSION_BUDGET=BYTES`: entries one session sends at most (default
 *   64 MiB); the rest follows next round ("more next round");
 * - `MYCEL_SESSION_DEADLINE=SECONDS`: how long one session may last in all
 *   (default max(60 × --timeout, 600)); --timeout stays the read deadline;
 * - `MYCEL_FILE_BUDGET=BYTES`: file content one round fetches at most (the
 *   rest follows next round, resumed where it stopped).
 */

import { ExitCode, MycelError, usageError } from "../../errors.ts";
import type { SessionTuning } from "../../sync/round.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import type { SessionOutcome } from "../../sync/peer_session.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import type { Text } from "../output.ts";
import { REJOIN_HINT, removalInOutcomes, removalMessage } from "../removal.ts";
import { homeRoot } from "../session.ts";
import { humanBytes, plural } from "../../human.ts";
import { massDeleteConfirm } from "../mass_delete.ts";
import { nameNoteLines, notSyncedLines, notWrittenLines } from "../not_synced.ts";
import { lazyImport } from "../../lazy_import.ts";

/** Parse a `--timeout SECONDS` value (default `fallback`). */
export function parseSeconds(
  text: string | boolean | undefined,
  fallback: number,
  flag = "--timeout",
): number {
  if (text === undefined || text === true || text === false) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 86400) {
    throw usageError(`use ${flag}`, "it must be a number of seconds between 0 and 86400", {
      value: text,
    });
  }
  return n * 1000;
}

/** Session bounds from MYCEL_SESSION_BUDGET / MYCEL_SESSION_DEADLINE (see the module header). */
export function sessionTuning(env: (name: string) => string | undefined): SessionTuning {
  const read = (name: string, max: number): number | undefined => {
    const text = env(name);
    if (text === undefined || text === "") return undefined;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n <= 0 || n > max) {
      throw usageError(`use ${name}`, `it must be a whole number from 1 to ${max}`, {
        value: text,
      });
    }
    return n;
  };
  const budget = read("MYCEL_SESSION_BUDGET", 1 << 30);
  const deadline = read("MYCEL_SESSION_DEADLINE", 86400);
  return {
    ...(budget === undefined ? {} : { budget }),
    ...(deadline === undefined ? {} : { sessionTimeoutMs: deadline * 1000 }),
  };
}

/** `MYCEL_FILE_BUDGET=BYTES`: file content fetched per round at most (tests, slow links). */
function fileBudget(env: (name: string) => string | undefined): number | undefined {
  const text = env("MYCEL_FILE_BUDGET");
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw usageError("use MYCEL_FILE_BUDGET", "it must be a whole number of bytes", {
      value: text,
    });
  }
  return n;
}

/**
 * Exit code of a round: 0 when every peer synced; 3 when no peer was
 * reachable, or when some synced and some did not (a partial round: a laptop
 * asleep, which timers treat as success); 1 when none synced and some were
 * reached but refused or failed.
 */
export function roundExitCode(statuses: readonly string[]): number {
  if (statuses.every((s) => s === "synced")) return ExitCode.ok;
  if (statuses.every((s) => s === "unreachable")) return ExitCode.unreachable;
  if (statuses.some((s) => s === "synced")) return ExitCode.unreachable;
  return ExitCode.failure;
}

/** One peer's line: `laptop (ABCDEFG): synced: sent 2 entries, received 1 entry via direct …`. */
export function outcomeLine(o: SessionOutcome): Text {
  const who = `${safeText(o.name || "device")} (${o.peer?.short ?? "?"})`;
  const ex = o.exchange;
  const state = ex?.took ? " and the mesh's state" : "";
  const ours = ex?.sentCheckpoint ? " and our state" : "";
  const more = ex?.more || ex?.peerMore ? " (more next round)" : "";
  const how = o.status !== "synced"
    ? safeText(o.error ?? "")
    : ex?.idle
    ? `up to date via ${o.path} ${o.address ?? ""}`.trimEnd()
    : `sent ${plural(ex?.sent ?? 0, "entry", "entries")}${ours}, received ${
      plural(ex?.ingest?.accepted ?? 0, "entry", "entries")
    }${state} via ${o.path} ${o.address ?? ""}`.trimEnd() + more;
  const forks = ex?.ingest?.forks.length
    ? ` · fork detected in ${plural(ex.ingest.forks.length, "log")}, see status`
    : "";
  const refused = ex?.ingest?.refusedCount
    ? ` · refused ${plural(ex.ingest.refusedCount, "entry", "entries")}`
    : "";
  const tone = o.status === "synced" ? "green" : o.status === "unreachable" ? "yellow" : "red";
  return [`${who}: `, { text: o.status, tone }, `: ${safeText(how)}${forks}${refused}`];
}

/** LAN discovery is on unless MYCEL_DISCOVERY=off (docs/discovery.md). */
export function discoveryOn(env: (name: string) => string | undefined): boolean {
  return env("MYCEL_DISCOVERY") !== "off";
}

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
  };
  const folderRound = o.push
    ? undefined
    : await lazyImport<typeof import("../../sync/folder_round.ts")>(
      new URL("../../sync/folder_round.ts", import.meta.url),
    );
  const scans = folderRound ? await folderRound.scanFolders(homeRoot(ctx), folderOptions) : [];
  // Paths a scan can't sync are said when that list changes (a timer's log
  // does not repeat them every 30 s); `folder status` lists them any time.
  for (const s of scans) {
    if (o.quiet || o.json) continue;
    // Said once, by the scan that publishes them (not every 30 s).
    const notes = nameNoteLines({ unportable: s.unportable, caseCollisions: s.newCaseCollisions });
    if (notes.length > 0) ctx.out.error(`folder ${s.folder}: names published this round:`);
    for (const line of notes) ctx.out.error(line);
    if (!s.skippedChanged) continue;
    if (s.skipped.length === 0) {
      ctx.out.error(`folder ${s.folder}: every path syncs here again`);
      continue;
    }
    ctx.out.error(`folder ${s.folder}: ${plural(s.skipped.length, "path")} not synced here:`);
    for (const line of notSyncedLines(s.skipped)) ctx.out.error(line);
  }
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
  });
  if (o.json) {
    ctx.out.json(outcomes.map((x) => ({
      id: x.peer?.id ?? null,
      name: x.name,
      status: x.status,
      sent: x.exchange?.sent ?? 0,
      received: x.exchange?.ingest?.accepted ?? 0,
      checkpoint: {
        sent: x.exchange?.sentCheckpoint ?? false,
        received: x.exchange?.took !== undefined,
      },
      more: (x.exchange?.more || x.exchange?.peerMore) ?? false,
      path: x.status === "unreachable" ? null : x.path,
      address: x.address ?? null,
      error: x.error ?? null,
      forks: x.exchange?.ingest?.forks.length ?? 0,
    })));
  } else if (outcomes.length === 0 && !o.quiet) {
    ctx.out.line("No peers yet: add one with `mycel pair` (or `mycel mesh add-peer`).");
  }
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
  // Then files: every folder synced here is brought to the state this round delivered.
  const applied = await folderRound.applyFolders(homeRoot(ctx), folderOptions);
  let stopped = scans.some((s) => s.stopped !== undefined);
  let partial = false;
  for (const f of applied) {
    if (f.stopped) stopped = true;
    const a = f.apply;
    // Files nobody can send do not make the round partial: no later round
    // gets them either (src/sync/unfetchable.ts); they are said below.
    if (a && a.needFiles > a.unfetchable.length) partial = true;
    if (o.quiet) continue;
    if (f.stopped) {
      if (o.json) continue; // said as the JSON error below
      ctx.out.error(`folder ${f.folder}: ${safeText(f.stopped)}`);
      if (/marker missing/.test(f.stopped)) {
        ctx.out.error(
          `  if it moved: \`mycel folder move ${f.folder} NEWPATH\` (nothing is fetched again)`,
        );
      }
      continue;
    }
    if (a === undefined || o.json) continue;
    // The paths not written are listed when they change (a timer's log does
    // not repeat them every 30 s); otherwise pointed at. `folder status` keeps them.
    const said = a.problems.length > 0 && !f.problemsChanged
      ? ` (${
        plural(a.problems.length, "path")
      } not written here: see \`mycel folder status ${f.folder}\`)`
      : "";
    const gone = a.unfetchable;
    const goneBytes = gone.reduce((n, u) => n + u.size, 0);
    const toCome = a.needFiles - gone.length;
    if (a.done > 0 || toCome > 0 || (a.problems.length > 0 && f.problemsChanged)) {
      ctx.out.line(
        `folder ${f.folder}: ${plural(a.done, "change")} applied` +
          (a.fetchedBytes > 0 ? `, ${humanBytes(a.fetchedBytes)} fetched` : "") +
          (toCome > 0
            ? `; ${plural(toCome, "file")} (${
              humanBytes(Math.max(0, a.needBytes - goneBytes))
            }) still to come`
            : "") +
          said,
      );
    }
    if (gone.length > 0) {
      const makers = [...new Set(gone.map((u) => safeText(u.maker)))].sort().join(", ");
      ctx.out.error(
        `folder ${f.folder}: ${plural(gone.length, "file")} (${
          humanBytes(goneBytes)
        }) can't be fetched: no device that syncs the folder has their content (made by ${makers})`,
      );
      ctx.out.error(
        `  \`mycel folder override ${f.folder}\` makes what this disk holds the folder's version ` +
          `(\`mycel folder status ${f.folder}\` says which devices wait)`,
      );
    }
    if (f.problemsChanged && a.problems.length === 0) {
      ctx.out.error(`folder ${f.folder}: every path is written here again`);
    } else if (f.problemsChanged) {
      for (const line of notWrittenLines(a.problems)) ctx.out.error(line);
    }
    for (const p of a.peers) {
      if (p.dropped) ctx.out.error(`  ${safeText(p.name)}: ${safeText(p.dropped)}`);
    }
  }
  if (stopped && o.json) {
    // Under --json the failure is the JSON error on standard error (after the
    // peers' outcomes on standard output), as for every command.
    const all = [...applied, ...scans].filter((x) => x.stopped);
    const { folder, stopped: why } = all[0];
    const hints = [];
    if (/marker missing/.test(why!)) {
      hints.push(
        `If it moved: \`mycel folder move ${folder} NEWPATH\` (nothing is fetched again).`,
      );
    }
    // The reason is kept as text with the folder: its code told apart the same way.
    const code = /ignore/.test(why!) && !/marker missing/.test(why!)
      ? "bad_ignore_file"
      : "folder_stopped";
    if (code === "bad_ignore_file") {
      hints.push("Fix or remove that ignore file; the folder syncs again on the next round.");
    }
    const count = new Set(all.map((x) => x.folder)).size;
    if (count > 1) hints.push(`${count} folders are stopped: see \`mycel folder status\`.`);
    throw new MycelError(code, `sync folder ${folder}`, why!, {
      hint: hints.length > 0 ? hints.join(" ") : undefined,
    });
  }
  if (stopped) return ExitCode.failure;
  if (partial && code === ExitCode.ok) return ExitCode.unreachable;
  return code;
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
      "override` ends the wait). Ctrl-C ends a round still running 3 seconds later with 130.",
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
