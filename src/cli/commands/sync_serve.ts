/**
 * @module sync_serve
 * `mycel sync serve`: answer sync connections, one session on stdin/stdout
 * (--stdio, for inetd or a systemd socket) or every one on a TCP port
 * (--listen), with the device's advertised port kept up to date and LAN
 * discovery answered while it listens. Apart from `sync now` because it
 * is the answering side: it runs no round of its own.
 */

import { ExitCode, usageError } from "../../errors.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import { safeText } from "../../text_safety.ts";
import type { CommandSpec } from "../command.ts";
import { homeRoot } from "../session.ts";
import { listenNotes } from "../listen_notes.ts";
import { discoveryOn, parseSeconds, sessionTuning } from "../sync_bounds.ts";
import { lazyImport } from "../../lazy_import.ts";

/** `mycel sync serve --stdio | --listen HOST:PORT`. */
export const syncServeCommand: CommandSpec = {
  path: ["sync", "serve"],
  summary: "answer sync connections (--stdio for inetd/systemd, or --listen HOST:PORT)",
  description: "--stdio serves one session on stdin/stdout (systemd socket with Accept=yes, or\n" +
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
    const { limitsFor } = await lazyImport<typeof import("../../sync/session_bounds.ts")>(
      new URL("../../sync/session_bounds.ts", import.meta.url),
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
      // SIGTERM (systemd stopping us) closes the connection at once; so
      // does a newer connection of the home evicting this one before it
      // authenticated (stdio_admission.ts).
      const o = await serve.serveOne(homeRoot(ctx), stream, {
        path: "stdio",
        address: stream.remote,
      }, { ...options, limits: { ...options.limits, signal: ctx.signal } });
      // A check (mycel doctor on the peer) ended as it meant to.
      return o.status === "synced" || o.status === "checked" ? ExitCode.ok : ExitCode.failure;
    }
    const ep = parseEndpoint(listen!);
    let answering: Promise<void> = Promise.resolve();
    await serve.serveListen(homeRoot(ctx), ep.host, ep.port, ctx.signal, {
      ...options,
      onListening: (port) => {
        ctx.out.error(`listening on ${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${port}`);
        // The device advertises the port it really listens on
        // (src/mesh/self_endpoints.ts), and says when a pinned endpoint is elsewhere.
        void lazyImport<typeof import("../../sync/self_record.ts")>(
          new URL("../../sync/self_record.ts", import.meta.url),
        ).then((r) => r.refreshAt(homeRoot(ctx), ctx.env, port, ep.host))
          .then((change) => {
            for (const line of listenNotes(change, port)) ctx.out.error(line);
          })
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
};
