/**
 * @module wg_config
 * Render and parse the configuration that `wg setconf` / `wg syncconf` read.
 * mycel writes the whole file on every `mesh up` and lets `wg syncconf` apply
 * the difference, so rendering is deterministic and validates every value
 * (a stray newline in an endpoint would otherwise inject config lines).
 * The private key is a separate argument and is never part of an error
 * message: it may only travel to a 0600 file or to `wg`'s stdin. Pure.
 */

import { formatCidr, parseCidr } from "../ip.ts";
import {
  checkListenPort,
  isValidEndpoint,
  isWgKey,
  keyName,
  parseSmallInt,
  privateKeyText,
  wgError,
} from "./wg_values.ts";

/** One `[Peer]`: another device of the mesh. */
export interface WgPeer {
  /** The peer's WireGuard public key, base64 of 32 bytes. */
  publicKey: string;
  /** Addresses routed to this peer, as CIDRs (`100.64.3.7/32`). */
  allowedIps: string[];
  /** Where to reach it: `host:port` or `[v6]:port`; absent = wait for it. */
  endpoint?: string;
  /** Keepalive interval in seconds (1–65535); absent = off. */
  persistentKeepalive?: number;
}

/** The public part of a `wg setconf` file (the private key travels apart). */
export interface WgConfig {
  /** UDP port (0–65535); absent or 0 = chosen by the kernel. */
  listenPort?: number;
  /** Peers, in the order they are written. */
  peers: WgPeer[];
}

/** A parsed `wg setconf` file. */
export interface ParsedWgConfig {
  /** Everything but the private key. */
  config: WgConfig;
  /** The interface private key (base64). Secret: keep it out of logs. */
  privateKey: string;
}

/** One `Key = value` line; `key` is lower-cased (wg's keys are case-insensitive). */
export interface WgEntry {
  /** Lower-cased key. */
  key: string;
  /** The value as written. */
  value: string;
  /** 1-based line number, for messages. */
  line: number;
}

/** An `[Interface]` or `[Peer]` section with its lines. */
export interface WgSection {
  /** Which section. */
  name: "interface" | "peer";
  /** 1-based line of the header. */
  line: number;
  /** Its `Key = value` lines. */
  entries: WgEntry[];
}

/** Validate a peer and return it with its AllowedIPs in canonical form. */
export function checkPeer(peer: WgPeer, action: string, where: string): WgPeer {
  if (!isWgKey(peer.publicKey)) {
    throw wgError(action, `${where}: PublicKey is not base64 of 32 bytes`, peer.publicKey);
  }
  const allowedIps = peer.allowedIps.map((ip) => {
    try {
      return formatCidr(parseCidr(ip));
    } catch {
      throw wgError(action, `${where}: AllowedIPs entry is not an address/prefix`, ip);
    }
  });
  if (peer.endpoint !== undefined && !isValidEndpoint(peer.endpoint)) {
    throw wgError(action, `${where}: Endpoint is not host:port`, peer.endpoint);
  }
  const ka = peer.persistentKeepalive;
  if (ka !== undefined && !(Number.isInteger(ka) && ka >= 1 && ka <= 65535)) {
    throw wgError(action, `${where}: PersistentKeepalive must be 1-65535`, String(ka));
  }
  return { ...peer, allowedIps };
}

/** Render one validated `[Peer]` section (no trailing newline). */
export function renderPeerSection(peer: WgPeer, action = "render WireGuard config"): string {
  const p = checkPeer(peer, action, "peer");
  const lines = ["[Peer]", `PublicKey = ${p.publicKey}`];
  if (p.allowedIps.length > 0) lines.push(`AllowedIPs = ${p.allowedIps.join(", ")}`);
  if (p.endpoint !== undefined) lines.push(`Endpoint = ${p.endpoint}`);
  if (p.persistentKeepalive !== undefined) {
    lines.push(`PersistentKeepalive = ${p.persistentKeepalive}`);
  }
  return lines.join("\n");
}

/** Throw when two peers share a public key (wg would silently merge them). */
export function checkUniquePeers(peers: WgPeer[], action: string): void {
  const seen = new Set<string>();
  for (const p of peers) {
    if (seen.has(p.publicKey)) {
      throw wgError(action, "two peers have the same PublicKey", p.publicKey);
    }
    seen.add(p.publicKey);
  }
}

/** Render a `wg setconf`/`wg syncconf` file. */
export function renderWgConfig(config: WgConfig, privateKey: string | Uint8Array): string {
  const action = "render WireGuard config";
  const key = privateKeyText(privateKey, action);
  checkListenPort(config.listenPort, action);
  checkUniquePeers(config.peers, action);
  const head = ["[Interface]", `PrivateKey = ${key}`];
  if (config.listenPort !== undefined) head.push(`ListenPort = ${config.listenPort}`);
  const sections = [head.join("\n"), ...config.peers.map((p) => renderPeerSection(p, action))];
  return sections.join("\n\n") + "\n";
}

/**
 * Split an INI-style WireGuard file into sections. Comments (`#`) and blank
 * lines are skipped; errors name the line, never echo it (it may hold a key).
 */
export function splitWgSections(text: string, action: string): WgSection[] {
  const sections: WgSection[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, "").trim();
    if (line === "") continue;
    const header = /^\[\s*(interface|peer)\s*\]$/i.exec(line);
    if (header) {
      const name = header[1].toLowerCase() as WgSection["name"];
      sections.push({ name, line: i + 1, entries: [] });
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw wgError(action, `line ${i + 1}: expected [Section] or Key = value`);
    const current = sections.at(-1);
    if (!current) throw wgError(action, `line ${i + 1}: a value comes before any section`);
    const key = line.slice(0, eq).trim().toLowerCase();
    current.entries.push({ key, value: line.slice(eq + 1).trim(), line: i + 1 });
  }
  return sections;
}

/** Read a `[Peer]` section; unknown keys are refused so typos are not ignored. */
export function peerFromSection(section: WgSection, action: string): WgPeer {
  const seen = new Set<string>();
  const peer: WgPeer = { publicKey: "", allowedIps: [] };
  for (const { key, value, line } of section.entries) {
    if (seen.has(key) && key !== "allowedips") {
      throw wgError(action, `line ${line}: repeated key`, keyName(key));
    }
    seen.add(key);
    if (key === "publickey") peer.publicKey = value;
    else if (key === "allowedips") {
      peer.allowedIps.push(...value.split(",").map((s) => s.trim()).filter((s) => s !== ""));
    } else if (key === "endpoint") peer.endpoint = value;
    else if (key === "persistentkeepalive") {
      const n = value === "off" ? 0 : parseSmallInt(value, 65535);
      if (n === undefined) throw wgError(action, `line ${line}: bad PersistentKeepalive`, value);
      if (n > 0) peer.persistentKeepalive = n; // 0 and "off" both mean disabled
    } else {throw wgError(
        action,
        `line ${line}: unknown or unsupported key in [Peer]`,
        keyName(key),
      );}
  }
  if (!seen.has("publickey")) {
    throw wgError(action, `line ${section.line}: [Peer] has no PublicKey`);
  }
  return checkPeer(peer, action, `line ${section.line}`);
}

/** What {@link parseConfigText} returns: the shared parts of both file kinds. */
export interface ParsedCommon {
  /** The interface private key (base64). Secret: keep it out of logs. */
  privateKey: string;
  /** ListenPort, if given. */
  listenPort?: number;
  /** The peers. */
  peers: WgPeer[];
}

/**
 * Parse a config with one `[Interface]` and any `[Peer]`s. PrivateKey and
 * ListenPort are handled here; `extra` takes the other interface keys a
 * file kind allows and returns false for keys it does not know.
 */
export function parseConfigText(
  text: string,
  action: string,
  extra: (e: WgEntry) => boolean = () => false,
): ParsedCommon {
  const sections = splitWgSections(text, action);
  const ifaces = sections.filter((s) => s.name === "interface");
  if (ifaces.length !== 1) throw wgError(action, "expected exactly one [Interface] section");
  let privateKey: string | undefined;
  let listenPort: number | undefined;
  for (const entry of ifaces[0].entries) {
    const { key, value, line } = entry;
    if (key === "privatekey" && privateKey === undefined) {
      if (!isWgKey(value)) throw wgError(action, `line ${line}: PrivateKey is not a valid key`);
      privateKey = value;
    } else if (key === "listenport" && listenPort === undefined) {
      listenPort = parseSmallInt(value, 65535);
      if (listenPort === undefined) {
        throw wgError(action, `line ${line}: ListenPort must be 0-65535`, value);
      }
    } else if (!extra(entry)) {
      throw wgError(action, `line ${line}: unknown or repeated key in [Interface]`, keyName(key));
    }
  }
  if (privateKey === undefined) throw wgError(action, "[Interface] has no PrivateKey");
  const peers = sections.filter((s) => s.name === "peer").map((s) => peerFromSection(s, action));
  checkUniquePeers(peers, action);
  return { privateKey, listenPort, peers };
}

/** Parse a `wg setconf` file back into its typed form. */
export function parseWgConfig(text: string): ParsedWgConfig {
  const { privateKey, listenPort, peers } = parseConfigText(text, "read WireGuard config");
  const config: WgConfig = listenPort === undefined ? { peers } : { listenPort, peers };
  return { config, privateKey };
}
