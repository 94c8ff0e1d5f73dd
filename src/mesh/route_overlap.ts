/**
 * @module route_overlap
 * Does another interface claim the mesh's addresses? Reads the JSON of
 * `ip -j route show table all` (and `-6`), which includes policy tables such
 * as Tailscale's table 52 that are consulted before `main`, and reports every
 * route not through the mesh interface whose prefix overlaps an address the
 * mesh uses (own /32, peers' /32s, the ULA /48). Default routes (prefix 0)
 * cover everything and are not a claim; `throw` routes only send the lookup
 * on. Bounded: at most {@link MAX_ROUTES} routes are read. Pure.
 */

import { MycelError } from "../errors.ts";
import { type Cidr, formatCidr, parseCidr } from "../ip.ts";

/** More routes than this and the output is not read (a full BGP table is ~1M). */
export const MAX_ROUTES = 200_000;

/** One route of another interface that overlaps the mesh. */
export interface Overlap {
  /** The other route's prefix, canonical. */
  route: string;
  /** Its interface, or its type (`blackhole`, `unreachable`, …) when it has none. */
  dev: string;
  /** Its table when not `main`. */
  table?: string;
  /** The mesh prefixes it overlaps. */
  mesh: string[];
}

interface IpRoute {
  type?: string;
  dst?: string;
  dev?: string;
  table?: string;
}

function cidrOf(dst: string): Cidr | undefined {
  try {
    return parseCidr(dst.includes("/") ? dst : `${dst}/${dst.includes(":") ? 128 : 32}`);
  } catch {
    return undefined;
  }
}

/** True when two prefixes share an address (one contains the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const bits = Math.min(a.prefix, b.prefix);
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((a.bytes[byte] & mask) !== (b.bytes[byte] & mask)) return false;
  }
  return true;
}

/** Parse `ip -j route` output (one family) into routes; throws a named error on garbage. */
export function parseIpRoutes(text: string): IpRoute[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() === "" ? "[]" : text);
  } catch {
    throw new MycelError(
      "bad_route_table",
      "read the routing table",
      "`ip -j route` output is not JSON",
    );
  }
  if (!Array.isArray(parsed)) {
    throw new MycelError(
      "bad_route_table",
      "read the routing table",
      "`ip -j route` output is not a list",
    );
  }
  if (parsed.length > MAX_ROUTES) {
    throw new MycelError("bad_route_table", "read the routing table", "too many routes", {
      value: parsed.length,
    });
  }
  const str = (x: unknown) => (typeof x === "string" ? x : undefined);
  return parsed.filter((r) => typeof r === "object" && r !== null).map((r) => ({
    type: str(r.type),
    dst: str(r.dst),
    dev: str(r.dev),
    table: str(r.table),
  }));
}

/** Routes of interfaces other than `ifname` that overlap any of `mesh` (CIDRs). */
export function findOverlaps(routes: IpRoute[], ifname: string, mesh: string[]): Overlap[] {
  const ours = mesh.map((m) => ({ text: formatCidr(parseCidr(m)), cidr: parseCidr(m) }));
  const out = new Map<string, Overlap>();
  for (const r of routes) {
    if (r.dst === undefined || r.dst === "default" || r.dev === ifname) continue;
    if (r.type === "throw" || r.type === "multicast") continue;
    const c = cidrOf(r.dst);
    if (c === undefined || c.prefix === 0) continue;
    const hit = ours.filter((m) => overlaps(m.cidr, c)).map((m) => m.text);
    if (hit.length === 0) continue;
    const dev = r.dev ?? r.type ?? "unknown";
    const table = r.table && r.table !== "main" ? r.table : undefined;
    const key = `${formatCidr(c)} ${dev} ${table ?? ""}`;
    const seen = out.get(key);
    if (seen) seen.mesh = [...new Set([...seen.mesh, ...hit])];
    else out.set(key, { route: formatCidr(c), dev, ...(table ? { table } : {}), mesh: hit });
  }
  return [...out.values()];
}

/** What to tell the user about `found` (the doctor finding's text). */
export function describeOverlaps(
  found: Overlap[],
  ifname: string,
): { ok: boolean; detail: string; hint?: string } {
  if (found.length === 0) {
    return { ok: true, detail: "no other interface routes the mesh's addresses" };
  }
  const text = found.slice(0, 3).map((o) =>
    `${o.dev} routes ${o.route}${o.table ? ` (table ${o.table})` : ""}, covering ${
      o.mesh.join(", ")
    }`
  ).join("; ");
  const more = found.length > 3 ? ` and ${found.length - 3} more` : "";
  const probe = found[0].mesh[0].split("/")[0];
  return {
    ok: false,
    detail: `another interface claims mesh addresses: ${text}${more}`,
    hint: `Packets for those addresses may leave through ${found[0].dev} instead of ${ifname} ` +
      `(policy tables and longest prefix decide): check with \`ip route get ${probe}\`.`,
  };
}
