/**
 * @module key_prompt
 * Asking for a passphrase on the terminal without echoing it: the terminal
 * is put in raw mode for the answer only (restored on every path, even an
 * error), the question goes to standard error, and the answer is read byte
 * by byte from standard input — Backspace and Ctrl-U edit, Enter ends,
 * Ctrl-C stops the command as Ctrl-C does everywhere else (130, "it was
 * interrupted"; raw mode delivers it as a byte, not a signal), Ctrl-D on an
 * empty line is "no answer".
 * Nothing typed is ever written back. Only used when standard input is a
 * terminal; scripts and timers use MYCEL_PASSPHRASE_FILE instead.
 */

import { interruptedError } from "../errors.ts";

/** Asks one question; resolves with the answer, or undefined at end of input. */
export type Prompter = (question: string) => Promise<string | undefined>;

/** Longest answer kept (bytes); typing more is refused. */
const MAX_ANSWER = 1024;

/** Edit `bytes` for one input byte; returns "done", "eof", "cancel" or undefined. */
export function applyKey(bytes: number[], b: number): "done" | "eof" | "cancel" | undefined {
  if (b === 0x0d || b === 0x0a) return "done";
  if (b === 0x03) return "cancel";
  if (b === 0x04) return bytes.length === 0 ? "eof" : undefined;
  if (b === 0x15) {
    bytes.length = 0;
    return undefined;
  }
  if (b === 0x7f || b === 0x08) {
    // Remove one whole UTF-8 character: continuation bytes, then its lead.
    while (bytes.length > 0 && (bytes[bytes.length - 1] & 0xc0) === 0x80) bytes.pop();
    bytes.pop();
    return undefined;
  }
  if (b < 0x20) return undefined; // other control keys: ignored
  if (bytes.length < MAX_ANSWER) bytes.push(b);
  return undefined;
}

/** A prompter on this process's terminal, or undefined when stdin is not one. */
export function terminalPrompter(): Prompter | undefined {
  if (!Deno.stdin.isTerminal()) return undefined;
  return async (question) => {
    const enc = new TextEncoder();
    Deno.stderr.writeSync(enc.encode(question));
    const typed: number[] = [];
    const buf = new Uint8Array(64);
    let end: "done" | "eof" | "cancel" | undefined;
    Deno.stdin.setRaw(true);
    try {
      while (end === undefined) {
        const n = await Deno.stdin.read(buf);
        if (n === null) {
          end = "eof";
          break;
        }
        for (let i = 0; i < n && end === undefined; i++) end = applyKey(typed, buf[i]);
      }
    } finally {
      Deno.stdin.setRaw(false);
      Deno.stderr.writeSync(enc.encode("\n"));
      buf.fill(0);
    }
    if (end === "cancel") {
      typed.fill(0);
      throw interruptedError("read the passphrase", { hint: "Nothing was changed." });
    }
    if (end === "eof" && typed.length === 0) return undefined;
    const answer = new TextDecoder().decode(new Uint8Array(typed));
    typed.fill(0);
    return answer;
  };
}
