/**
 * @module device_id
 * Device ids as people see them. A device is identified by its Ed25519
 * public key; shown Syncthing-style as base32 in four blocks of 13 characters,
 * each followed by a Luhn mod 32 check character (so a mistyped id is caught),
 * then split into eight groups of seven: `MFZWI3D-BONSGYC-...`.
 * Parsing forgives case, spaces and dashes and verifies every check character.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/** A device id in display form (with check characters and dashes). */
export type DeviceId = string;

/** Length of the display form without dashes. */
const ID_CHARS = 56;

function base32(bytes: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === undefined) return undefined;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      if (n === length) return undefined;
      out[n++] = (acc >>> (bits - 8)) & 255;
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  }
  return n === length && acc === 0 ? out : undefined;
}

/** Luhn mod N check character over base32 text (as Syncthing does). */
function luhn32(text: string): string {
  let factor = 1;
  let sum = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    let addend = factor * INDEX.get(text[i])!;
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / 32) + (addend % 32);
    sum += addend;
  }
  return ALPHABET[(32 - (sum % 32)) % 32];
}

/** Display id of an Ed25519 public key. */
export function deviceIdFromKey(publicKey: Uint8Array): DeviceId {
  // Every decoded entry names its author, every file version its maker and
  // vector: remember the few keys a mesh has, found by their first six bytes
  // and compared whole (a text of the 32 bytes as the map's key was a tenth
  // of a file version's decode: `folder status` decodes 100,000s).
  if (publicKey.length < 6) return computeDeviceId(publicKey);
  const prefix = ((publicKey[0] << 16) | (publicKey[1] << 8) | publicKey[2]) * 0x1000000 +
    ((publicKey[3] << 16) | (publicKey[4] << 8) | publicKey[5]);
  const known = idCache.get(prefix);
  if (known !== undefined) {
    for (const [key, id] of known) if (bytesEqual(key, publicKey)) return id;
  }
  const id = computeDeviceId(publicKey);
  if (idCache.size > 1024) idCache.clear();
  const list = idCache.get(prefix) ?? [];
  if (list.length >= 4) list.shift(); // keys alike in six bytes: made to be, not met
  list.push([publicKey.slice(), id]);
  idCache.set(prefix, list);
  return id;
}

const idCache = new Map<number, [Uint8Array, DeviceId][]>();

function computeDeviceId(publicKey: Uint8Array): DeviceId {
  const text = base32(publicKey); // 52 characters for 32 bytes
  let checked = "";
  for (let i = 0; i < 4; i++) {
    const block = text.slice(i * 13, i * 13 + 13);
    checked += block + luhn32(block);
  }
  return checked.match(/.{7}/g)!.join("-");
}

/** Strip dashes and spaces and upper-case; used for prefix matching too. */
export function normalizeDeviceId(text: string): string {
  return text.replace(/[\s-]/g, "").toUpperCase();
}

/**
 * Parse a display id back into the public key, verifying check characters.
 * @throws MycelError `bad_device_id` on wrong length, characters or checks
 */
export function parseDeviceId(text: string): { id: DeviceId; publicKey: Uint8Array } {
  // File versions name their devices by id: remember the few a mesh has.
  const known = parsedCache.get(text);
  if (known !== undefined) return { id: known.id, publicKey: known.publicKey.slice() };
  const parsed = parseUncached(text);
  if (parsedCache.size > 1024) parsedCache.clear();
  parsedCache.set(text, { id: parsed.id, publicKey: parsed.publicKey.slice() });
  return parsed;
}

const parsedCache = new Map<string, { id: DeviceId; publicKey: Uint8Array }>();

function parseUncached(text: string): { id: DeviceId; publicKey: Uint8Array } {
  const flat = normalizeDeviceId(text);
  const fail = (reason: string) =>
    new MycelError("bad_device_id", "read device id", reason, { value: text.slice(0, 80) });
  if (flat.length !== ID_CHARS) throw fail(`it must have ${ID_CHARS} characters`);
  let body = "";
  for (let i = 0; i < 4; i++) {
    const block = flat.slice(i * 14, i * 14 + 13);
    if (![...block].every((c) => INDEX.has(c))) throw fail("it has a character outside A-Z, 2-7");
    if (luhn32(block) !== flat[i * 14 + 13]) throw fail("a check character does not match — typo?");
    body += block;
  }
  const publicKey = unbase32(body, 32);
  if (publicKey === undefined) throw fail("it does not encode a 32-byte key");
  return { id: deviceIdFromKey(publicKey), publicKey };
}

/** Short form for tables: the first group. */
export function shortDeviceId(id: DeviceId): string {
  return id.slice(0, 7);
}
