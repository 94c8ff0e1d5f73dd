/**
 * @module sync
 * `mycel sync now` (one round with every peer) and `mycel sync serve`
 * (answer sync connections on stdin/stdout or a TCP port).
 */

import { ExitCode, MycelError, usageError } from "../../errors.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import type { AppliedOutcome } from "../../sync/apply.ts";
import type { SessionOutcome } from "../../sync/peer_session.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { plural } from "../human.ts";
import type { Text } from "../output.ts";
import { REJOIN_HINT, removalInOutcomes, removalMessage } from "../removal.ts";
import { homeRoot } from "../session.ts";

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

/**
 * Exit code of a round: 0 when every peer synced; 3 when no peer was
 * reachable, or when some synced and some did not (a partial round); 1 when
 * none synced and some were reached but refused or failed.
 */
export function roundExitCode(statuses: readonly string[]): number {
  if (statuses.every((s) => s === "synced")) return ExitCode.ok;
  if (statuses.every((s) => s === "unreachable")) return ExitCode.unreachable;
  if (statuses.some((s) => s === "synced")) return ExitCode.unreachable;
  return ExitCode.failure;
}

/** What a finished session says; `received` is what the peer sent, before storing. */
type Line = Pick<AppliedOutcome, "peer" | "name" | "status" | "path" | "address" | "error"> & {
  sent: number;
  received: number;
  forks: number;
};

function lineOf(o: SessionOutcome): Line {
  return {
    ...o,
    sent: o.exchange?.sent ?? 0,
    received: o.exchange?.staged.length ?? 0,
    forks: o.exchange?.forks.length ?? 0,
  };
}

/** One peer's line: `laptop (ABCDEFG): synced: sent 2 entries, received 1 entry via direct …`. */
export function outcomeLine(o: Line): Text {
  const who = `${safeText(o.name || "device")} (${shortDeviceId(o.peer)})`;
  const how = o.status === "synced"
    ? `sent ${plural(o.sent, "entry", "entries")}, received ${
      plural(o.received, "entry", "entries")
    } via ${o.path} ${o.address ?? ""}`.trimEnd()
    : safeText(o.error ?? "");
  const forks = o.forks ? ` · fork detected in ${plural(o.forks, "log")}, see status` : "";
  const tone = o.status === "synced" ? "green" : o.status === "unreachable" ? "yellow" : "red";
  return [`${who}: `, { text: o.status, tone }, `: ${safeText(how)}${forks}`];
}

async function syncNow(ctx: CommandContext, json: boolean, timeoutMs: number): Promise<number> {
  const { syncRound } = await import("../../sync/round.ts");
  const { meshRoutes } = await import("../routes.ts");
  const printed = new Map<string, string>();
  const outcomes = await syncRound(homeRoot(ctx), {
    now: ctx.now,
    env: ctx.env,
    timeoutMs,
    routes: meshRoutes(),
    progress: ctx.out.progress,
    // Each peer's line as its session ends, not all of them after the slowest.
    onOutcome: json ? undefined : (o) => {
      ctx.out.progress("");
      ctx.out.line(outcomeLine(lineOf(o)));
      printed.set(o.peer, o.status);
    },
  });
  if (json) {
    ctx.out.json(outcomes.map((o) => ({
      id: o.peer,
      name: o.name,
      status: o.status,
      sent: o.sent,
      received: o.received,
      path: o.status === "unreachable" ? null : o.path,
      address: o.address ?? null,
      error: o.error ?? null,
      forks: o.ingest?.forks.length ?? 0,
    })));
  } else if (outcomes.length === 0) {
    ctx.out.line("No peers yet: add one with `mycel pair` (or `mycel mesh add-peer`).");
  } else {
    // Storing what arrived can still refuse entries: say so for those peers.
    for (const o of outcomes) {
      if (printed.get(o.peer) !== o.status) {
        ctx.out.line(outcomeLine({ ...o, forks: o.ingest?.forks.length ?? 0 }));
      }
    }
  }
  const removal = removalInOutcomes(outcomes);
  if (removal) {
    throw new MycelError("removed_from_mesh", "sync", removalMessage(removal), {
      hint: REJOIN_HINT,
    });
  }
  return roundExitCode(outcomes.map((o) => o.status));
}

/** The `sync` commands. */
export const syncCommands: CommandSpec[] = [
  {
    path: ["sync", "now"],
    summary: "run one sync round with every peer, in parallel",
    description:
      "Each peer gets a line as soon as its session ends: synced (sent N, received M),\n" +
      "unreachable (why), refused (why) or failed (why). Exit 0 when every peer synced; 3\n" +
      "when none was reachable, or only some synced; 1 when none synced.",
    args: [],
    flags: [JSON_FLAG, {
      name: "timeout",
      value: "SECONDS",
      help: "give up on a peer after this long (default 10)",
    }],
    globals: ["home", "no-sync"],
    exits: [0, 1, 2, 3],
    async run(ctx, input) {
      const timeoutMs = parseSeconds(input.flags.timeout, 10_000);
      if (ctx.offline) {
        ctx.out.error("Offline (--no-sync or MYCEL_OFFLINE=1): not contacting peers.");
        return ExitCode.ok;
      }
      return await syncNow(ctx, input.flags.json === true, timeoutMs);
    },
  },
  {
    path: ["sync", "serve"],
    summary: "answer sync connections (--stdio for inetd/systemd, or --listen HOST:PORT)",
    description:
      "--stdio serves one session on stdin/stdout (systemd socket with Accept=yes, or\n" +
      "inetd). --listen serves in the foreground until SIGINT/SIGTERM. One line per session\n" +
      "goes to standard error.",
    args: [],
    flags: [
      { name: "stdio", help: "serve one session on stdin/stdout" },
      { name: "listen", value: "HOST:PORT", help: "listen on this address in the foreground" },
      { name: "timeout", value: "SECONDS", help: "deadline of each session (default 30)" },
    ],
    ...LOCAL,
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
      const { limitsFor } = await import("../../sync/round.ts");
      const serve = await import("../../sync/serve.ts");
      const options = {
        now: ctx.now,
        env: ctx.env,
        limits: limitsFor(timeoutMs),
        log: (line: string) => ctx.out.error(safeText(line)),
      };
      if (stdio) {
        const { openStdioStream } = await import("../../transport/stdio.ts");
        const stream = openStdioStream();
        const o = await serve.serveOne(homeRoot(ctx), stream, {
          path: "stdio",
          address: stream.remote,
        }, options);
        return o.status === "synced" ? ExitCode.ok : ExitCode.failure;
      }
      const ep = parseEndpoint(listen!);
      await serve.serveListen(homeRoot(ctx), ep.host, ep.port, ctx.signal, {
        ...options,
        onListening: (port: number) =>
          ctx.out.error(`listening on ${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${port}`),
      });
      return ExitCode.ok;
    },
  },
];
