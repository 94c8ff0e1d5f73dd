/**
 * @module pairing_code
 * The code `mycel pair` prints and `mycel pair CODE` reads, e.g.
 * `MYCEL-70AG-08M2-8T5C-Y4TW`: where to reach the inviter (a literal IP
 * address and its pairing port) and a one-time secret that becomes the CPace
 * password. It is typed by hand, so it is short, forgives case, spacing,
 * dashes and look-alike letters, and ends in a check symbol that turns a
 * typo into a "typo?" message instead of a failed handshake. Bit layout and
 * a worked example: `docs/pairing_code.md`. Pure; no I/O.
 */

import { type ErrorCode, ExitCode, MycelError, orList } from "../errors.ts";
import { hasValidCheck, symbolChar, symbolValue } from "./base32_check.ts";
import {
  packPairingCode,
  PAIRING_CODE_VERSION,
  PAIRING_FORMS,
  PAIRING_SECRET_BYTES,
  unpackPairingCode,
  versionOf,
} from "./pairing_code_layout.ts";
import { formatHost, parseHost } from "./pairing_host.ts";

export { PAIRING_CODE_VERSION, PAIRING_SECRET_BYTES } from "./pairing_code_layout.ts";

/** Port of the inviter's pairing listener when the code does not name one. */
export const DEFAULT_PAIRING_PORT = 7853;
/** Printed before the symbols; optional when reading. */
export const PAIRING_CODE_PREFIX = "MYCEL";

/** What a pairing code carries. */
export interface PairingCode {
  /** Inviter's address: IPv4 dotted quad or canonical IPv6 text. */
  host: string;
  /** TCP port of the inviter's pairing listener. */
  port: number;
  /** The one-time secret ({@link PAIRING_SECRET_BYTES} bytes). */
  secret: Uint8Array;
}

const UPDATE_HINT = "Update mycel on this device.";

function readError(code: ErrorCode, reason: string, value?: string | number, hint?: string) {
  return new MycelError(code, "read pairing code", reason, { value, hint, exit: ExitCode.usage });
}

function makeError(code: ErrorCode, reason: string, value?: string) {
  return new MycelError(code, "make pairing code", reason, { value });
}

/** A fresh one-time secret; `randomBytes` is injectable for tests. */
export function generatePairingSecret(
  randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): Uint8Array {
  const secret = randomBytes(PAIRING_SECRET_BYTES);
  if (secret.length !== PAIRING_SECRET_BYTES) {
    throw makeError("pairing_code_secret", "the random source returned the wrong length");
  }
  return secret;
}

/**
 * Encode a code: 16 symbols for IPv4 on {@link DEFAULT_PAIRING_PORT}, 20 for
 * IPv4 on another port, 40 for IPv6. Throws `pairing_code_host`,
 * `pairing_code_port` or `pairing_code_secret`.
 */
export function encodePairingCode({ host, port, secret }: PairingCode): string {
  const address = parseHost(host);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw makeError("pairing_code_port", "the port must be 1..65535", String(port));
  }
  if (!(secret instanceof Uint8Array) || secret.length !== PAIRING_SECRET_BYTES) {
    throw makeError("pairing_code_secret", `the secret must be ${PAIRING_SECRET_BYTES} bytes`);
  }
  const [short, withPort, ipv6] = PAIRING_FORMS;
  const form = address.length === 16 ? ipv6 : port === DEFAULT_PAIRING_PORT ? short : withPort;
  const chars = packPairingCode(form, address, port, secret).map(symbolChar).join("");
  return [PAIRING_CODE_PREFIX, ...chars.match(/.{4}/g)!].join("-");
}

// Separators people type or paste between groups: spaces and dash look-alikes.
const SEPARATOR = /^[\s\-_\u2010-\u2015\u2212]$/u;
// No version-1 code starts with M (its first symbol is 4..7), so a leading
// "MYCEL" is always the prefix, with or without a dash after it.
const PREFIX = /^[\s\-_\u2010-\u2015\u2212]*mycel/iu;

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp > 0x20 && cp < 0x7f ? `"${ch}"` : `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Text to symbol values, reporting the first bad character by 1-based position. */
function toValues(text: string): number[] {
  const prefix = PREFIX.exec(text)?.[0].length ?? 0;
  const values: number[] = [];
  let position = prefix;
  for (const ch of text.slice(prefix)) {
    position++;
    if (SEPARATOR.test(ch)) continue;
    const v = symbolValue(ch);
    if (v === undefined) {
      throw readError(
        "pairing_code_character",
        "invalid character",
        `${describeChar(ch)} at position ${position}`,
        "Codes use digits and the letters A-Z except I, L, O and U.",
      );
    }
    values.push(v);
  }
  return values;
}

/**
 * Decode a typed or pasted code. Throws (exit code 2) `pairing_code_empty`,
 * `pairing_code_character`, `pairing_code_length`, `pairing_code_typo`,
 * `pairing_code_version` or `pairing_code_port`; no message carries the secret.
 */
export function decodePairingCode(text: string): PairingCode {
  const values = toValues(text);
  if (values.length === 0) {
    const hint = "Type the code that `mycel pair` shows on the other device.";
    throw readError("pairing_code_empty", "the code is empty", undefined, hint);
  }
  const form = PAIRING_FORMS.find((f) => f.symbols === values.length);
  const checked = hasValidCheck(values);
  // A code of unknown length may come from a newer mycel, but only if it is
  // whole groups; otherwise a dropped symbol that happens to pass the check
  // (1 in 32) would be misreported as "update mycel".
  const plausible = form !== undefined || values.length % 4 === 0;
  const version = versionOf(values);
  if (checked && plausible && version !== PAIRING_CODE_VERSION) {
    throw readError("pairing_code_version", "unsupported code version", version, UPDATE_HINT);
  }
  if (!form) {
    const lengths = orList(PAIRING_FORMS.map((f) => f.symbols));
    throw readError(
      "pairing_code_length",
      `wrong length, expected ${lengths} characters`,
      `${values.length} characters`,
      "Check for a missing or doubled group.",
    );
  }
  if (!checked) {
    const hint = "Compare it with the code shown on the other device.";
    throw readError("pairing_code_typo", "check character does not match — typo?", undefined, hint);
  }
  const fields = unpackPairingCode(form, values);
  if (fields.reserved !== 0n) {
    throw readError(
      "pairing_code_version",
      "the code uses features this mycel does not know",
      undefined,
      UPDATE_HINT,
    );
  }
  const port = fields.port ?? DEFAULT_PAIRING_PORT;
  if (port === 0) throw readError("pairing_code_port", "the code names port 0");
  return { host: formatHost(fields.address), port, secret: fields.secret };
}
