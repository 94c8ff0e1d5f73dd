/**
 * @module card
 * Device cards for manual peering, the way WireGuard and Syncthing exchange
 * keys: one line holding a device's record (id, name, Noise and WireGuard
 * public keys, endpoints, mesh IPv4), its mesh id and member count, signed
 * with the device's Ed25519 key so a card altered in transit (say, a swapped
 * Noise key) is rejected. Format: `mycel-card-1:` + base64url(CBOR).
 */

import { asBytes, concatBytes, fromBase64, toBase64Url, utf8 } from "../bytes.ts";
import { ExitCode, MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import { DeviceKey } from "../log/device_key.ts";
import { decodeDeviceRecord, type DeviceRecord, encodeDeviceFields } from "../log/device_record.ts";
import { verifySignature } from "../log/identity.ts";

/** Prefix of every card. */
export const CARD_PREFIX = "mycel-card-1:";
const CONTEXT = utf8("mycel/card/v1\0");

/** What a card says. */
export interface Card {
  /** The device. */
  record: DeviceRecord;
  /** Its mesh. */
  mesh: string;
  /** Members of that mesh (not revoked) when the card was made. */
  members: number;
}

function body(card: Card): Uint8Array {
  return encodeCbor([
    card.record.key.bytes,
    encodeDeviceFields(card.record),
    card.mesh,
    card.members,
  ]);
}

/** Make a card; `sign` signs with the device's Ed25519 key. */
export async function encodeCard(
  card: Card,
  sign: (msg: Uint8Array) => Promise<Uint8Array>,
): Promise<string> {
  const b = body(card);
  const signature = await sign(concatBytes(CONTEXT, b));
  return CARD_PREFIX + toBase64Url(encodeCbor([b, signature]));
}

function bad(reason: string, cause?: unknown, hint?: string): MycelError {
  return new MycelError("bad_card", "read device card", reason, {
    hint: hint ?? "Copy the whole line printed by `mycel mesh card` on the other device.",
    exit: ExitCode.usage,
    cause,
  });
}

// Any card version's prefix: a later one is a newer mycel's card, not a typo.
const ANY_CARD_PREFIX = /^mycel-card-(\d+):/;

/** Parse and verify a card (signature included). */
export async function decodeCard(text: string): Promise<Card> {
  const t = text.trim();
  if (!t.startsWith(CARD_PREFIX)) {
    const version = ANY_CARD_PREFIX.exec(t)?.[1];
    if (version !== undefined && Number(version) > 1) {
      throw bad(
        `it is in a newer card format (mycel-card-${version}:) than this mycel reads`,
        undefined,
        "Update mycel on this device, then add the card again.",
      );
    }
    throw bad(`it does not start with ${CARD_PREFIX}`);
  }
  if (t.length > 8192) throw bad("it is too long");
  let outer: unknown;
  try {
    outer = decodeCbor(fromBase64(t.slice(CARD_PREFIX.length)), "device card");
  } catch (e) {
    throw bad("it is damaged (not valid base64/CBOR)", e);
  }
  const [b, sig] = Array.isArray(outer) ? outer : [];
  const bodyBytes = asBytes(b), signature = asBytes(sig);
  if (bodyBytes === undefined || signature === undefined) throw bad("it is damaged");
  let fields: unknown[];
  try {
    fields = decodeCbor(bodyBytes, "device card") as unknown[];
  } catch (e) {
    throw bad("it is damaged", e);
  }
  const [keyRaw, recordRaw, mesh, members] = Array.isArray(fields) ? fields : [];
  const key = asBytes(keyRaw);
  if (key?.length !== 32) throw bad("its device key is malformed");
  if (typeof mesh !== "string" || !/^[a-z0-9-]{1,64}$/.test(mesh)) {
    throw bad("its mesh id is malformed");
  }
  if (!Number.isSafeInteger(members) || (members as number) < 1) {
    throw bad("its member count is malformed");
  }
  let record: DeviceRecord;
  try {
    record = decodeDeviceRecord(DeviceKey.of(key), recordRaw);
  } catch (e) {
    throw bad(`its device record is malformed: ${(e as Error).message}`, e);
  }
  if (!(await verifySignature(key, concatBytes(CONTEXT, bodyBytes), signature))) {
    throw bad("its signature does not verify (altered or corrupted)");
  }
  return { record, mesh, members: members as number };
}
