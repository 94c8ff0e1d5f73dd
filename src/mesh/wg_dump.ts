/**
 * @module wg_dump
 * Parse `wg show <interface> dump`, the script-friendly view `mycel status`
 * joins with its sync view. The first line describes the interface
 * (private-key, public-key, listen-port, fwmark), each further line a peer
 * (public-key, preshared-key, endpoint, allowed-ips, latest-handshake,
 * transfer-rx, transfer-tx, persistent-keepalive), fields separated by tabs,
 * absent values printed as `(none)` or `off`. The private key and preshared
 * keys are dropped on sight and never echoed in errors: this output is read
 * as a whole, but only public facts leave this module. Pure.
 */

import { MycelError } from "../errors.ts";
import { formatCidr, parseCidr } from "../ip.ts";
import { isValidEndpoint, isWgKey, parseSmallInt } from "./wg_values.ts";

/** The interface line, minus its private key. */
export interface WgDumpInterface {
  /** Base64 public key, or null when the interface has no key yet. */
  publicKey: string | null;
  /** UDP port the interface listens on (0 when it is not up). */
  listenPort: number;
  /** Firewall mark, or null when `off`. */
  fwmark: number | null;
}

/** One peer line, minus its preshared key. */
export interface WgDumpPeer {
  /** Base64 public key. */
  publicKey: string;
  /** Whether a preshared key is set (its value is never returned). */
  hasPresharedKey: boolean;
  /** Last known `host:port`, or null before the peer was ever seen. */
  endpoint: string | null;
  /** Canonical CIDRs routed to the peer. */
  allowedIps: string[];
  /** Unix seconds of the latest handshake, or null for never. */
  latestHandshake: number | null;
  /** Bytes received (exact below 2^53, which is 9 PB). */
  rxBytes: number;
  /** Bytes sent. */
  txBytes: number;
  /** Keepalive interval in seconds, or null when `off`. */
  persistentKeepalive: number | null;
}

/** A parsed dump. */
export interface WgDump {
  /** The interface line. */
  interface: WgDumpInterface;
  /** One record per peer line. */
  peers: WgDumpPeer[];
}

// The value shown in an error is one of the public fields only, shortened.
function bad(reason: string, value?: string): MycelError {
  const shown = value !== undefined && value.length > 64 ? value.slice(0, 64) + "…" : value;
  return new MycelError("bad_wg_dump", "read `wg show dump` output", reason, { value: shown });
}

function count(text: string, what: string, line: number): number {
  if (!/^(?:0|[1-9][0-9]{0,19})$/.test(text)) {
    throw bad(`line ${line}: ${what} is not a count`, text);
  }
  return Number(text);
}

function parsePeer(fields: string[], line: number): WgDumpPeer {
  const [pub, psk, endpoint, ips, hs, rx, tx, ka] = fields;
  if (!isWgKey(pub)) throw bad(`line ${line}: peer public key is not valid`, pub);
  // Only "(none)" or a well-formed key is accepted; the key itself is dropped.
  if (psk !== "(none)" && !isWgKey(psk)) throw bad(`line ${line}: preshared key is not valid`);
  if (endpoint !== "(none)" && !isValidEndpoint(endpoint)) {
    throw bad(`line ${line}: endpoint is not host:port`, endpoint);
  }
  const allowedIps = ips === "(none)" ? [] : ips.split(",").map((ip) => {
    try {
      return formatCidr(parseCidr(ip));
    } catch {
      throw bad(`line ${line}: allowed-ips entry is not an address/prefix`, ip);
    }
  });
  const handshake = count(hs, "latest-handshake", line);
  const keepalive = ka === "off" ? 0 : parseSmallInt(ka, 65535);
  if (keepalive === undefined) throw bad(`line ${line}: persistent-keepalive is not valid`, ka);
  return {
    publicKey: pub,
    hasPresharedKey: psk !== "(none)",
    endpoint: endpoint === "(none)" ? null : endpoint,
    allowedIps,
    latestHandshake: handshake === 0 ? null : handshake,
    rxBytes: count(rx, "transfer-rx", line),
    txBytes: count(tx, "transfer-tx", line),
    persistentKeepalive: keepalive === 0 ? null : keepalive,
  };
}

function parseInterface(fields: string[]): WgDumpInterface {
  const [priv, pub, port, fwmark] = fields;
  // Checked but never kept or shown: a malformed private key means we are
  // not reading what we think we are.
  if (priv !== "(none)" && !isWgKey(priv)) throw bad("line 1: interface private key is malformed");
  if (pub !== "(none)" && !isWgKey(pub)) {
    throw bad("line 1: interface public key is not valid", pub);
  }
  const listenPort = parseSmallInt(port, 65535);
  if (listenPort === undefined) throw bad("line 1: listen-port is not a port", port);
  let mark: number | null = null;
  if (fwmark !== "off") {
    mark = /^0x[0-9a-f]{1,8}$/i.test(fwmark)
      ? Number(fwmark)
      : parseSmallInt(fwmark, 0xffffffff) ?? -1;
    if (mark < 0) throw bad("line 1: fwmark is not valid", fwmark);
  }
  return { publicKey: pub === "(none)" ? null : pub, listenPort, fwmark: mark };
}

/**
 * Parse the output of `wg show <interface> dump`. Throws a `bad_wg_dump`
 * {@link MycelError} naming the line on anything unexpected; never returns
 * or shows the private key.
 */
export function parseWgDump(text: string): WgDump {
  const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
  if (lines.length === 0 || lines[0] === "") throw bad("the output is empty");
  const head = lines[0].split("\t");
  // Say only how many fields there were: line 1 holds the private key.
  if (head.length !== 4) throw bad("line 1: expected 4 tab-separated fields", `${head.length}`);
  const iface = parseInterface(head);
  const peers: WgDumpPeer[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].split("\t");
    if (fields.length !== 8) {
      throw bad(`line ${i + 1}: expected 8 tab-separated fields`, `${fields.length}`);
    }
    const peer = parsePeer(fields, i + 1);
    if (seen.has(peer.publicKey)) throw bad(`line ${i + 1}: peer listed twice`, peer.publicKey);
    seen.add(peer.publicKey);
    peers.push(peer);
  }
  return { interface: iface, peers };
}

/** Seconds since the peer's latest handshake at `nowSeconds`, or null for never. */
export function handshakeAgeSeconds(peer: WgDumpPeer, nowSeconds: number): number | null {
  return peer.latestHandshake === null ? null : Math.max(0, nowSeconds - peer.latestHandshake);
}
