/**
 * @module errors
 * The one error type mycel raises. Every failure a user can see is a
 * {@link MycelError} with a stable `code` (for scripts and `--json`), a
 * message of the form "Cannot <action>: <reason> (<value>)" and, when the user
 * can fix it, a `hint` printed on its own line. Only `main.ts` turns these into
 * exit codes. Messages never carry secrets: callers pass public values only.
 * The codes are a closed set, each with its meaning, in error_codes.ts.
 */

import type { ErrorCode } from "./error_codes.ts";

export type { ErrorCode } from "./error_codes.ts";

/** Process exit codes, documented in `mycel --help`. */
export const ExitCode = {
  /** Everything worked. */
  ok: 0,
  /** The command failed. */
  failure: 1,
  /** The command line was wrong (unknown command or flag, bad argument). */
  usage: 2,
  /** No peer was reachable, or only some peers synced. */
  unreachable: 3,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** Optional parts of a {@link MycelError}. */
export interface MycelErrorOptions {
  /** The offending value, shown in parentheses. Never a secret. */
  value?: string | number;
  /** What the user can do about it, printed on its own line. */
  hint?: string;
  /** Exit code for `main.ts`; failure (1) unless said otherwise. */
  exit?: ExitCode;
  /** The lower-level error, kept for debugging. */
  cause?: unknown;
}

/**
 * A failure with a stable machine-readable `code`.
 *
 * ```ts
 * throw new MycelError("bad_input", "set preference", "the key is empty", {
 *   hint: "Give a key such as `theme`.",
 *   exit: ExitCode.usage,
 * });
 * // message: "Cannot set preference: the key is empty"
 * ```
 */
export class MycelError extends Error {
  /** Stable identifier, e.g. `corrupt_home`; scripts may rely on it (error_codes.ts lists them). */
  readonly code: ErrorCode;
  /** Fix-it line for the user, if there is one. */
  readonly hint?: string;
  /** The exit code `main.ts` uses for this error. */
  readonly exit: ExitCode;
  /** The offending value, if any (already part of the message). */
  readonly value?: string | number;
  /** Why, as given (part of the message): lets a caller say what it could not do for the same reason. */
  readonly reason: string;
  /** What could not be done, as given ("<verb> <object>", part of the message). */
  readonly action: string;

  /**
   * Make an error.
   * @param code stable identifier, one of error_codes.ts
   * @param action what could not be done: "<verb> <object>", e.g. "load state"
   * @param reason why, in a few words
   */
  constructor(
    code: ErrorCode,
    action: string,
    reason: string,
    options: MycelErrorOptions = {},
  ) {
    const value = options.value === undefined ? "" : ` (${options.value})`;
    super(`Cannot ${action}: ${reason}${value}`, { cause: options.cause });
    this.name = "MycelError";
    this.code = code;
    this.hint = options.hint;
    this.exit = options.exit ?? ExitCode.failure;
    this.value = options.value;
    this.reason = reason;
    this.action = action;
  }
}

/**
 * `e` with `hint` when it has none (else `e` itself): for a check shared with
 * code that reads peers' data (src/log/op_checks.ts), whose errors only the
 * command a user typed can give a fix-it line for.
 */
export function withHint(e: unknown, hint: string): unknown {
  if (!(e instanceof MycelError) || e.hint !== undefined) return e;
  return new MycelError(e.code, e.action, e.reason, {
    value: e.value,
    exit: e.exit,
    cause: e.cause,
    hint,
  });
}

/** Shorthand for a usage error (exit code 2). */
export function usageError(
  action: string,
  reason: string,
  options: Omit<MycelErrorOptions, "exit"> = {},
): MycelError {
  return new MycelError("usage", action, reason, {
    ...options,
    exit: ExitCode.usage,
  });
}

/**
 * Ctrl-C or SIGTERM stopped `action`: exit 130 (main.ts maps it), one code
 * whatever was under way — a scan, a round, a transfer — so scripts tell an
 * interruption from a failure by it.
 */
export function interruptedError(
  action: string,
  options: Pick<MycelErrorOptions, "value" | "hint"> = {},
): MycelError {
  return new MycelError("sync_interrupted", action, "it was interrupted", {
    ...options,
    exit: ExitCode.interrupted,
  });
}

/** True when `e` is a {@link MycelError} with the given code. */
export function isMycelError(e: unknown, code?: ErrorCode): e is MycelError {
  return e instanceof MycelError && (code === undefined || e.code === code);
}

/**
 * Items as a person lists them in a message: `orList(["a", "b", "c"])` →
 * "a, b or c". Here, not in human.ts, because argument parsing words its
 * refusals with it and loads only what every command start-up loads.
 */
export function orList(items: readonly (string | number)[]): string {
  const all = items.map(String);
  return all.length <= 1 ? all.join("") : `${all.slice(0, -1).join(", ")} or ${all.at(-1)}`;
}
