/**
 * @module key_fakes
 * Helpers for the key-store tests:
 * - {@link FakeRunner}: a {@link KeyRunner} that records every call (argv,
 *   stdin, environment, deadline) and answers from a handler, for tools that
 *   do not exist here (macOS `security`) or failures hard to provoke;
 * - {@link splitSecurityLine}: how `security -i` splits a command line
 *   (quotes `'…'`/`"…"` with backslash escapes, at most 32 words), written
 *   from Apple's description of its interactive mode, to check what mycel
 *   writes to it;
 * - {@link assertNoSecret}: none of a key set's private keys (hex, base64,
 *   base64url, raw bytes) and no passphrase appears in a text or byte string.
 */

import assert from "node:assert/strict";
import { toBase64, toBase64Url, toHex } from "../../src/bytes.ts";
import type { DeviceKeys } from "../../src/log/identity.ts";
import type { KeyRunner, KeyToolCall, KeyToolResult } from "../../src/storage/key_runner.ts";
import { keyMaterialText } from "../../src/storage/key_codec.ts";
import { indexOfBytes } from "../log/helpers.ts";

/** One recorded call. */
export interface RecordedCall {
  cmd: string;
  args: string[];
  stdin: string | undefined;
  env: Record<string, string>;
  timeoutMs: number;
}

/** A runner answering from `handler` and recording every call. */
export class FakeRunner implements KeyRunner {
  readonly calls: RecordedCall[] = [];
  constructor(
    readonly handler: (call: RecordedCall) => Partial<KeyToolResult> = () => ({}),
  ) {}

  run(cmd: string, args: readonly string[], call: KeyToolCall): Promise<KeyToolResult> {
    const stdin = call.stdin === undefined
      ? undefined
      : typeof call.stdin === "string"
      ? call.stdin
      : toBase64(call.stdin);
    const rec = { cmd, args: [...args], stdin, env: { ...call.env }, timeoutMs: call.timeoutMs };
    this.calls.push(rec);
    return Promise.resolve({
      code: 0,
      stdout: "",
      stderr: "",
      timedOut: false,
      missing: false,
      ...this.handler(rec),
    });
  }
}

/** Split one `security -i` line into words the way the tool does. */
export function splitSecurityLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length && words.length < 32) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    let word = "";
    const quote = line[i] === "'" || line[i] === '"' ? line[i++] : undefined;
    for (; i < line.length; i++) {
      const c = line[i];
      if (c === "\\" && i + 1 < line.length) {
        word += line[++i];
        continue;
      }
      if (quote !== undefined ? c === quote : /\s/.test(c)) {
        i++;
        break;
      }
      word += c;
    }
    words.push(word);
  }
  return words;
}

/** Assert that `text` (or bytes) carries no private key of `keys` and not `passphrase`. */
export function assertNoSecret(
  what: string,
  text: string | Uint8Array,
  keys: DeviceKeys,
  passphrase?: string,
): void {
  const secrets = [keys.signPrivate, keys.noisePrivate, keys.wgPrivate];
  if (typeof text !== "string") {
    for (const s of secrets) assert.equal(indexOfBytes(text, s), -1, `${what}: raw private key`);
    text = new TextDecoder().decode(text);
  }
  for (const s of secrets) {
    for (const form of [toHex(s), toBase64(s), toBase64Url(s)]) {
      assert.ok(!text.includes(form), `${what}: a private key leaked`);
    }
  }
  assert.ok(!text.includes(keyMaterialText(keys)), `${what}: the key material leaked`);
  if (passphrase) assert.ok(!text.includes(passphrase), `${what}: the passphrase leaked`);
}
