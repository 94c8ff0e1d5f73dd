/**
 * @module pairing_code_layout
 * The bit layout of a pairing code, separate from its text handling so the
 * layout can be read against `docs/pairing_code.md` line by line. The
 * payload is one big-endian bit string cut into 5-bit symbols:
 *
 *     version(3) | address(32 or 128) | [port(16)] | secret(40) | zero pad
 *
 * followed by one check symbol. The symbol count selects the form, so the
 * common case (IPv4, default port) needs no form bits and fits 16 symbols
 * exactly. Pure; no I/O.
 */

import { checkSymbol } from "./base32_check.ts";

/** Layout version written into (and required of) every code. */
export const PAIRING_CODE_VERSION = 1;
/** Bytes of one-time secret in every code (40 bits). */
export const PAIRING_SECRET_BYTES = 5;

/** One code form: its symbol count (check included) and what it carries. */
export interface PairingForm {
  /** Symbols including the check symbol; always whole groups of four. */
  readonly symbols: number;
  /** 4 for IPv4, 16 for IPv6. */
  readonly addressBytes: number;
  /** Whether the port is carried (else it is the default port). */
  readonly hasPort: boolean;
}

/** The three forms, shortest first. */
export const PAIRING_FORMS: readonly PairingForm[] = Object.freeze([
  { symbols: 16, addressBytes: 4, hasPort: false },
  { symbols: 20, addressBytes: 4, hasPort: true },
  { symbols: 40, addressBytes: 16, hasPort: true },
]);

const VERSION_BITS = 3;
const SECRET_BITS = PAIRING_SECRET_BYTES * 8;

/** The fields of a payload, before text formatting. */
export interface PairingFields {
  /** Layout version (3 bits). */
  version: number;
  /** Address bytes, network order. */
  address: Uint8Array;
  /** Port, or `undefined` for a form without one. */
  port?: number;
  /** The secret, {@link PAIRING_SECRET_BYTES} bytes. */
  secret: Uint8Array;
  /** The pad bits' value: zero in every code this version writes. */
  reserved: bigint;
}

function padBits(form: PairingForm): number {
  const used = VERSION_BITS + form.addressBytes * 8 + (form.hasPort ? 16 : 0) + SECRET_BITS;
  return (form.symbols - 1) * 5 - used;
}

function toBig(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function fromBig(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** Pack fields into symbol values, check symbol last. Inputs must be valid. */
export function packPairingCode(
  form: PairingForm,
  address: Uint8Array,
  port: number,
  secret: Uint8Array,
): number[] {
  let n = BigInt(PAIRING_CODE_VERSION);
  n = (n << BigInt(form.addressBytes * 8)) | toBig(address);
  if (form.hasPort) n = (n << 16n) | BigInt(port);
  n = (n << BigInt(SECRET_BITS)) | toBig(secret);
  n <<= BigInt(padBits(form));
  const values: number[] = [];
  for (let i = form.symbols - 2; i >= 0; i--) values.push(Number((n >> BigInt(5 * i)) & 31n));
  values.push(checkSymbol(values));
  return values;
}

/** Unpack symbol values (check symbol last, already verified) into fields. */
export function unpackPairingCode(form: PairingForm, values: readonly number[]): PairingFields {
  let n = 0n;
  for (const v of values.slice(0, -1)) n = (n << 5n) | BigInt(v);
  const take = (bits: number): bigint => {
    const field = n & ((1n << BigInt(bits)) - 1n);
    n >>= BigInt(bits);
    return field;
  };
  // Fields come off the low end, so in reverse order of the layout.
  const reserved = take(padBits(form));
  const secret = fromBig(take(SECRET_BITS), PAIRING_SECRET_BYTES);
  const port = form.hasPort ? Number(take(16)) : undefined;
  const address = fromBig(take(form.addressBytes * 8), form.addressBytes);
  return { version: Number(take(VERSION_BITS)), address, port, secret, reserved };
}

/** The version field of a symbol string: the top 3 bits of the first symbol. */
export function versionOf(values: readonly number[]): number {
  return values[0] >> (5 - VERSION_BITS);
}
