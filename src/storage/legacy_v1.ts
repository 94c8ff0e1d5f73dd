/**
 * @module legacy_v1
 * Read-only access to a home written before the database: per-author
 * segment files of `[u32 length LE][u32 crc32 LE][payload]` records under
 * `log/` (and `forks/`), and the local bookkeeping inside `state.cbor`
 * (`"MYCELSNP"`, u32 version, SHA-256, JSON). Used only to migrate such a
 * home; nothing writes these formats any more.
 */

import { bytesEqual, utf8 } from "../bytes.ts";
import { crc32 } from "./crc32.ts";

/** Records of a segment file that pass their checksum, in file order (damaged bytes skipped). */
export function intactRecords(bytes: Uint8Array): { records: Uint8Array[]; damaged: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let damaged = 0;
  let at = 0;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at, true);
    const end = at + 8 + length;
    if (length > 0 && length <= 2 << 20 && end <= bytes.length) {
      const payload = bytes.subarray(at + 8, end);
      if (crc32(payload) === view.getUint32(at + 4, true)) {
        records.push(payload.slice());
        at = end;
        continue;
      }
    }
    // Not a record here: resynchronise one byte further (what follows may be intact).
    damaged++;
    at++;
  }
  return { records, damaged: damaged > 0 };
}

/** Segment files (`*.log`) in `dir`, with their bytes; none when the folder is missing. */
export async function readSegments(dir: string): Promise<{ path: string; bytes: Uint8Array }[]> {
  const out: { path: string; bytes: Uint8Array }[] = [];
  try {
    for await (const f of Deno.readDir(dir)) {
      if (f.isFile && f.name.endsWith(".log")) {
        out.push({ path: `${dir}/${f.name}`, bytes: await Deno.readFile(`${dir}/${f.name}`) });
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Local bookkeeping as the old snapshot kept it (the parts worth carrying over). */
export interface LegacyLocal {
  clock?: { wall: number; counter: number };
  peers?: Record<string, Record<string, unknown>>;
  recoverOwnTo?: number;
  admission?: { author: string; seq: number; entry: string };
  lastRound?: { at: number; peers: number; synced: number };
  mesh?: { interface: string; port: number; backend: string; pid?: number };
}

/** The bookkeeping in `state.cbor`, or undefined when it is missing or damaged. */
export async function readLegacyLocal(path: string): Promise<LegacyLocal | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return undefined;
  }
  const magic = utf8("MYCELSNP");
  if (bytes.length < 44 || !bytesEqual(bytes.subarray(0, 8), magic)) return undefined;
  const payload = bytes.subarray(44);
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", payload.slice()));
  if (!bytesEqual(sum, bytes.subarray(12, 44))) return undefined;
  try {
    const x = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
    return typeof x?.local === "object" && x.local !== null ? x.local as LegacyLocal : undefined;
  } catch {
    return undefined;
  }
}
