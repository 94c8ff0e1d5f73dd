/**
 * @module main
 * mycel's entry point: parse argv against the command table, dispatch, and
 * turn errors into messages and exit codes. Nothing else lives here.
 */

import type { CommandContext } from "./src/cli/command.ts";
import { commandsFor } from "./src/cli/commands/command_modules.ts";
import { type Output, processOutput } from "./src/cli/output.ts";
import type { CommandTable } from "./src/cli/command_lookup.ts";
import { commandWord, parseArgv, type ParseOutcome, wantsJson } from "./src/cli/parse.ts";
import { resolveStdinArgs } from "./src/cli/stdin_args.ts";
import { type ErrorCode, ExitCode, MycelError } from "./src/errors.ts";
import { safeJson, safeText } from "./src/text_safety.ts";
import { VERSION } from "./src/version.ts";
import { lazyImport } from "./src/lazy_import.ts";

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
  /** Standard input is a terminal. */
  stdinIsTerminal: boolean;
  /** Prints a prompt on standard error and reads one line from the terminal (see CommandContext.ask). */
  ask: (prompt: string, signal?: AbortSignal) => Promise<string | null>;
}

/** What an error becomes for the user: stable code, message, hint, exit code. */
function describeError(
  e: unknown,
): { code: ErrorCode; message: string; hint?: string; exit: number } {
  if (e instanceof MycelError) {
    return { code: e.code, message: e.message, hint: e.hint, exit: e.exit };
  }
  if (e instanceof Deno.errors.PermissionDenied) {
    return {
      code: "permission_denied",
      message: `Cannot continue: permission denied (${(e as Error).message})`,
      hint: "Run as the user who owns the mycel home, or with sudo for system-wide actions.",
      exit: ExitCode.failure,
    };
  }
  return {
    code: "internal",
    message: `internal error: ${e instanceof Error ? e.message : String(e)}`,
    hint: "Run with MYCEL_DEBUG=1 for details, and please report it.",
    exit: ExitCode.failure,
  };
}

/**
 * Print an error the way users see it: message, then hint; with `json`, one
 * JSON object `{"error": {"code", "message", "hint"}}` instead, on standard
 * error too (standard output carries only data). Returns the exit code.
 */
export function reportError(out: Output, e: unknown, debug: boolean, json = false): number {
  const d = describeError(e);
  if (json) {
    out.error(safeJson({ error: { code: d.code, message: d.message, hint: d.hint ?? null } }, 0));
  } else {
    // One line: a value the user gave (a path with a newline) can't forge the next.
    out.error(`error: ${safeText(d.message)}`);
    if (d.hint && !(debug && d.code === "internal")) out.error(`hint: ${d.hint}`);
  }
  if (debug) {
    const stack = e instanceof MycelError
      ? (e.cause as Error | undefined)?.stack
      : (e as Error)?.stack;
    if (stack) out.error(String(stack));
  }
  return d.exit;
}

/**
 * Parse `argv` against the commands of its first word only (see
 * command_modules.ts); whatever that cannot settle — a group's or the top
 * help, a mistake to name and suggest a fix for — is parsed again against
 * the full table, so the outcome is always the full table's.
 */
export async function parseLazily(
  argv: readonly string[],
): Promise<{ parsed: ParseOutcome; table: CommandTable }> {
  const some = await commandsFor(commandWord(argv));
  try {
    const parsed = parseArgv(argv, some);
    if (parsed.kind !== "help" || parsed.spec) return { parsed, table: some };
  } catch {
    // the full table below names the mistake
  }
  const { COMMANDS } = await lazyImport<typeof import("./src/cli/commands/table.ts")>(
    new URL("./src/cli/commands/table.ts", import.meta.url),
  );
  return { parsed: parseArgv(argv, COMMANDS), table: COMMANDS };
}

/** Run mycel with `argv`; returns the exit code. */
export async function main(argv: readonly string[], deps: MainDeps): Promise<number> {
  const { out, env } = deps;
  let homeFlag: string | undefined;
  try {
    const { parsed, table } = await parseLazily(argv);
    if (parsed.kind === "version") {
      if (parsed.json) out.json({ version: VERSION });
      else out.line(`mycel ${VERSION}`);
      return ExitCode.ok;
    }
    if (parsed.kind === "help") {
      const { commandHelp, groupHelp, topHelp, verbHelp } = await lazyImport<
        typeof import("./src/cli/help.ts")
      >(new URL("./src/cli/help.ts", import.meta.url));
      out.line(
        parsed.spec
          ? commandHelp(parsed.spec, out.width)
          : parsed.group
          ? groupHelp(table, parsed.group, out.width)
          : parsed.verb
          ? verbHelp(table, parsed.verb, out.width)
          : topHelp(table, out.width),
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
      stdinIsTerminal: deps.stdinIsTerminal,
      ask: deps.ask,
    };
    const input = await resolveStdinArgs(parsed.spec, parsed.input, deps.readStdin);
    return await parsed.spec.run(ctx, input);
  } catch (e) {
    return reportError(
      out,
      await namedStorageError(e, homeFlag, env),
      env("MYCEL_DEBUG") === "1",
      wantsJson(argv),
    );
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
  const { sqliteError } = await lazyImport<typeof import("./src/storage/storage_errors.ts")>(
    new URL("./src/storage/storage_errors.ts", import.meta.url),
  );
  const { homePaths, resolveHome } = await lazyImport<typeof import("./src/storage/home.ts")>(
    new URL("./src/storage/home.ts", import.meta.url),
  );
  let path = "";
  try {
    path = homePaths(resolveHome(homeFlag, env)).db;
  } catch {
    // no home to name
  }
  return sqliteError(e, "use the mycel home", path);
}

/** One line from `input` (a terminal delivers a line per read), without its newline. */
async function readLine(input: typeof Deno.stdin): Promise<string | null> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(1024);
  let size = 0;
  while (size < 4096) {
    const n = await input.read(buf);
    if (n === null) break;
    parts.push(buf.slice(0, n));
    size += n;
    if (buf.subarray(0, n).includes(10)) break;
  }
  if (parts.length === 0) return null;
  const text = new TextDecoder().decode(new Uint8Array(parts.flatMap((p) => [...p])));
  return text.split(/\r?\n/)[0];
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
    stdinIsTerminal: Deno.stdin.isTerminal(),
    ask: (prompt, signal) => {
      if (signal?.aborted) return Promise.resolve(null);
      const write = (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text));
      write(safeText(prompt, { multiline: true }));
      return new Promise((resolve, reject) => {
        // Dropped: end the prompt's line so what follows (the error) starts on its own.
        const drop = () => {
          write("\n");
          resolve(null);
        };
        signal?.addEventListener("abort", drop, { once: true });
        readLine(Deno.stdin).then(resolve, reject).finally(() =>
          signal?.removeEventListener("abort", drop)
        );
      });
    },
  });
  Deno.exit(code);
}
