/**
 * @module main
 * mycel's entry point: parse argv against the command table, dispatch, and
 * turn errors into messages and exit codes. Nothing else lives here.
 */

import type { CommandContext } from "./src/cli/command.ts";
import { COMMANDS } from "./src/cli/commands/table.ts";
import { type Output, processOutput } from "./src/cli/output.ts";
import { parseArgv } from "./src/cli/parse.ts";
import { ExitCode, MycelError } from "./src/errors.ts";
import { VERSION } from "./src/version.ts";

/** Injectable parts of the process, for tests. */
export interface MainDeps {
  /** Where output goes. */
  out: Output;
  /** Environment lookup. */
  env: (name: string) => string | undefined;
  /** Wall clock (ms). */
  now: () => number;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Reads all of standard input. */
  readStdin: () => Promise<Uint8Array>;
}

/** Print an error the way users see it: message, then hint. */
export function reportError(out: Output, e: unknown, debug: boolean): number {
  if (e instanceof MycelError) {
    out.error(`error: ${e.message}`);
    if (e.hint) out.error(`hint: ${e.hint}`);
    if (debug && e.cause instanceof Error) out.error(String(e.cause.stack));
    return e.exit;
  }
  if (e instanceof Deno.errors.PermissionDenied) {
    out.error(`error: Cannot continue: permission denied (${(e as Error).message})`);
    out.error(
      "hint: Run as the user who owns the mycel home, or with sudo for system-wide actions.",
    );
    return ExitCode.failure;
  }
  out.error(`error: internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (debug && e instanceof Error) out.error(String(e.stack));
  else out.error("hint: Run with MYCEL_DEBUG=1 for details, and please report it.");
  return ExitCode.failure;
}

/** Run mycel with `argv`; returns the exit code. */
export async function main(argv: readonly string[], deps: MainDeps): Promise<number> {
  const { out, env } = deps;
  let homeFlag: string | undefined;
  try {
    const parsed = parseArgv(argv, COMMANDS);
    if (parsed.kind === "version") {
      out.line(`mycel ${VERSION}`);
      return ExitCode.ok;
    }
    if (parsed.kind === "help") {
      const { commandHelp, groupHelp, topHelp } = await import("./src/cli/help.ts");
      out.line(
        parsed.spec
          ? commandHelp(parsed.spec)
          : parsed.group
          ? groupHelp(COMMANDS, parsed.group)
          : topHelp(COMMANDS),
      );
      return ExitCode.ok;
    }
    homeFlag = parsed.global.home;
    const ctx: CommandContext = {
      out,
      homeFlag,
      offline: parsed.global.noSync || env("MYCEL_OFFLINE") === "1",
      env,
      now: deps.now,
      signal: deps.signal,
      readStdin: deps.readStdin,
    };
    return await parsed.spec.run(ctx, parsed.input);
  } catch (e) {
    return reportError(out, await namedStorageError(e, homeFlag, env), env("MYCEL_DEBUG") === "1");
  }
}

/**
 * An SQLite error that reached the top (a read through a damaged page, say)
 * becomes the named error storage gives it ("the database is damaged", with
 * the repair hint and the database's path), never "internal error".
 */
async function namedStorageError(
  e: unknown,
  homeFlag: string | undefined,
  env: (name: string) => string | undefined,
): Promise<unknown> {
  if ((e as { code?: unknown })?.code !== "ERR_SQLITE_ERROR") return e;
  const { sqliteError } = await import("./src/storage/db.ts");
  const { homePaths, resolveHome } = await import("./src/storage/home.ts");
  let path = "";
  try {
    path = homePaths(resolveHome(homeFlag, env)).db;
  } catch {
    // no home to name
  }
  return sqliteError(e, "use the mycel home", path);
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name);
  const stop = new AbortController();
  const onSignal = () => {
    // Long-running commands (serve, pair) stop cleanly on the abort; anything
    // that does not finish soon after is ended anyway.
    stop.abort();
    setTimeout(() => Deno.exit(130), 3000).unref?.();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const code = await main(Deno.args, {
    out: processOutput(env),
    env,
    now: Date.now,
    signal: stop.signal,
    readStdin: async () => new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer()),
  });
  Deno.exit(code);
}
