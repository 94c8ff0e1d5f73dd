/**
 * @module assert_helpers
 * Assertions shared by the whole test suite, on top of `node:assert/strict`
 * (use that module directly for everything it already does):
 * - {@link assertMycelError} / {@link assertRejectsMycel}: a call throws (or
 *   rejects with) a `MycelError`, optionally with a given code or one of
 *   several codes; the error is returned for further checks;
 * - {@link assertBytes}: two byte arrays are equal, shown as hex;
 * - {@link assertJsonEquals}: two values have the same `JSON.stringify` text.
 *
 * ```ts
 * const e = assertMycelError(() => parseDeviceId("x"), "bad_device_id");
 * await assertRejectsMycel(() => cs.decrypt(junk), ["noise_decrypt", "noise_truncated"]);
 * await assertRejectsMycel(conn.read(), "connection_closed");
 * ```
 */

import assert from "node:assert/strict";
import { toHex } from "../../src/bytes.ts";
import { type ErrorCode, isMycelError, type MycelError } from "../../src/errors.ts";

/** The code a `MycelError` must carry: one code, or a list of which any will do (src/error_codes.ts). */
export type MycelCodes = ErrorCode | readonly ErrorCode[];

/** What was thrown, for a failure message. */
function describeThrown(e: unknown): string {
  if (isMycelError(e)) return `MycelError ${e.code}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-Error ${String(e)}`;
}

/** True when `e` is a MycelError whose code is (one of) `code`; any code when undefined. */
function matches(e: unknown, code: MycelCodes | undefined): e is MycelError {
  if (!isMycelError(e)) return false;
  if (code === undefined) return true;
  return typeof code === "string" ? e.code === code : code.includes(e.code);
}

/** `code` as text for a failure message. */
function codeText(code: MycelCodes | undefined): string {
  if (code === undefined) return "";
  return ` ${typeof code === "string" ? code : code.join("|")}`;
}

/**
 * Run `fn`, expect it to throw a `MycelError` with `code` (or one of the
 * codes; any code when omitted), and return the error. Fails when nothing is
 * thrown or something else is.
 */
export function assertMycelError(fn: () => unknown, code?: MycelCodes, label = ""): MycelError {
  try {
    fn();
  } catch (e) {
    if (matches(e, code)) return e;
    assert.fail(`${label}: expected MycelError${codeText(code)}, got ${describeThrown(e)}`);
  }
  assert.fail(`${label}: expected MycelError${codeText(code)}, nothing was thrown`);
}

/**
 * Await `work` (a promise, or a function whose call is awaited — a function
 * that throws synchronously counts as rejecting), expect a `MycelError` with
 * `code` (or one of the codes; any code when omitted), and return the error.
 */
export async function assertRejectsMycel(
  work: Promise<unknown> | (() => unknown),
  code?: MycelCodes,
  label = "",
): Promise<MycelError> {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (e) {
    if (matches(e, code)) return e;
    assert.fail(`${label}: expected MycelError${codeText(code)}, got ${describeThrown(e)}`);
  }
  assert.fail(`${label}: expected MycelError${codeText(code)}, nothing was thrown`);
}

/** Fail unless the two byte arrays hold the same bytes (compared and shown as hex). */
export function assertBytes(actual: Uint8Array, expected: Uint8Array, label?: string): void {
  assert.equal(toHex(actual), toHex(expected), label);
}

/**
 * Fail unless `JSON.stringify(actual) === JSON.stringify(expected)`: key
 * order counts, `undefined` properties are absent, -0 is 0.
 */
export function assertJsonEquals(actual: unknown, expected: unknown, msg?: string): void {
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), msg);
}
