/**
 * @module sync
 * `mycel sync now` (one round with every peer) and `mycel sync serve`
 * (answer sync connections on stdin/stdout or a TCP port).
 */

import { ExitCode, usageError } from "../../errors.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG } from "../command.ts";
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

/** Exit code of a round: 0 all synced, 3 none reachable, 1 otherwise. */
export function roundExitCode(statuses: string[]): number {
  if (statuses.every((s) => s === "synced")) return ExitCode.ok;
  if (statuses.every((s) => s === "unreachable")) return ExitCode.unreachable;
  return ExitCode.failure;
}

async function syncNow(ctx: CommandContext, json: boolean, timeoutMs: number): Promise<number> {
  const { syncRound } = await import("../../sync/round.ts");
  const { meshRoutes } = await import("../routes.ts");
  const routes = meshRoutes();
  // The round's view of local state says whether a mesh interface is recorded.
  let mesh: { interface: string } | undefined | "unknown" = "unknown";
  const outcomes = await syncRound(homeRoot(ctx), {
    now: ctx.now,
    env: ctx.env,
    timeoutMs,
    routes: (peer, view) => {
      mesh = view.local.mesh;
      return routes(peer, view);
    },
    progress: ctx.out.progress,
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
    for (const o of outcomes) {
      const who = `${o.name || "device"} (${shortDeviceId(o.peer)})`;
      const how = o.status === "synced"
        ? `sent ${o.sent}, received ${o.received} via ${o.path} ${o.address}`
        : o.error;
      const forks = o.ingest?.forks.length
        ? ` · fork detected in ${o.ingest.forks.length} log(s), see status`
        : "";
      ctx.out.line(`${who}: ${o.status}: ${how}${forks}`);
    }
  }
  // Revoked devices leave this device's WireGuard within the round.
  const { afterRound } = await import("./mesh_after_round.ts");
  for (const note of await afterRound(homeRoot(ctx), { now: ctx.now, env: ctx.env, mesh })) {
    ctx.out.error(note);
  }
  return roundExitCode(outcomes.map((o) => o.status));
}

/** The `sync` commands. */
export const syncCommands: CommandSpec[] = [
  {
    path: ["sync", "now"],
    summary: "run one sync round with every peer, in parallel",
    description: "Each peer gets a line: synced (sent N, received M), unreachable (why) or\n" +
      "refused (why). Exit 0 when every peer synced, 3 when none was reachable, 1 otherwise.",
    args: [],
    flags: [JSON_FLAG, {
      name: "timeout",
      value: "SECONDS",
      help: "give up on a peer after this long (default 10)",
    }],
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
        log: ctx.out.error,
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
        onListening: (port) =>
          ctx.out.error(`listening on ${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${port}`),
      });
      return ExitCode.ok;
    },
  },
];
