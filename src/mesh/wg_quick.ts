/**
 * @module wg_quick
 * Render (and read back) a wg-quick config for `mycel mesh export-wg`: the
 * format the WireGuard apps and `wg-quick up` import, which adds `Address`
 * and `DNS` to what `wg setconf` reads. It is printed, and shown as a QR code,
 * for systems whose WireGuard mycel does not manage. As everywhere, the
 * private key is a separate argument and never appears in an error. Pure.
 */

import { formatCidr, formatIpv4, formatIpv6, parseCidr, parseIpv4, parseIpv6 } from "../ip.ts";
import {
  checkUniquePeers,
  parseConfigText,
  renderPeerSection,
  type WgEntry,
  type WgPeer,
} from "./wg_config.ts";
import { checkListenPort, isValidHostname, privateKeyText, wgError } from "./wg_values.ts";

/** The public part of a wg-quick file. */
export interface WgQuickConfig {
  /** This device's mesh addresses with prefix, e.g. `100.64.3.7/32`. At least one. */
  addresses: string[];
  /** DNS servers (IPs) or search domains; absent or empty = leave DNS alone. */
  dns?: string[];
  /** UDP port (0–65535); absent = chosen at random, fine for a phone. */
  listenPort?: number;
  /** The other devices of the mesh. */
  peers: WgPeer[];
}

/** A parsed wg-quick file. */
export interface ParsedWgQuickConfig {
  /** Everything but the private key. */
  config: WgQuickConfig;
  /** The interface private key (base64). Secret: keep it out of logs. */
  privateKey: string;
}

function canonicalAddress(text: string, action: string): string {
  try {
    return formatCidr(parseCidr(text));
  } catch {
    throw wgError(action, "Address is not an address/prefix", text);
  }
}

// wg-quick hands DNS entries that are not IPs to resolvconf as search
// domains; accept exactly IPs and hostnames so nothing else reaches a file.
function checkDns(entry: string, action: string): string {
  try {
    if (/^[0-9.]+$/.test(entry)) return formatIpv4(parseIpv4(entry));
    if (entry.includes(":")) return formatIpv6(parseIpv6(entry));
  } catch {
    // fall through to the error below
  }
  if (/[^0-9.:]/.test(entry) && !entry.includes(":") && isValidHostname(entry)) return entry;
  throw wgError(action, "DNS entry is not an IP address or domain", entry);
}

/** Render a wg-quick config (what `mycel mesh export-wg` prints). */
export function renderWgQuickConfig(
  config: WgQuickConfig,
  privateKey: string | Uint8Array,
): string {
  const action = "render wg-quick config";
  const key = privateKeyText(privateKey, action);
  if (config.addresses.length === 0) throw wgError(action, "the interface needs an Address");
  const addresses = config.addresses.map((a) => canonicalAddress(a, action));
  const dns = (config.dns ?? []).map((d) => checkDns(d, action));
  checkListenPort(config.listenPort, action);
  checkUniquePeers(config.peers, action);
  const head = ["[Interface]", `PrivateKey = ${key}`, `Address = ${addresses.join(", ")}`];
  if (dns.length > 0) head.push(`DNS = ${dns.join(", ")}`);
  if (config.listenPort !== undefined) head.push(`ListenPort = ${config.listenPort}`);
  const peers = config.peers.map((p) => renderPeerSection(p, action));
  return [head.join("\n"), ...peers].join("\n\n") + "\n";
}

/** Parse a wg-quick config (the subset {@link renderWgQuickConfig} writes). */
export function parseWgQuickConfig(text: string): ParsedWgQuickConfig {
  const action = "read wg-quick config";
  const addresses: string[] = [];
  let dns: string[] | undefined;
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const { privateKey, listenPort, peers } = parseConfigText(
    text,
    action,
    ({ key, value }: WgEntry) => {
      if (key === "address") addresses.push(...list(value).map((a) => canonicalAddress(a, action)));
      else if (key === "dns") dns = [...dns ?? [], ...list(value).map((d) => checkDns(d, action))];
      else return false;
      return true;
    },
  );
  if (addresses.length === 0) throw wgError(action, "[Interface] has no Address");
  const config: WgQuickConfig = { addresses, peers };
  if (dns !== undefined) config.dns = dns;
  if (listenPort !== undefined) config.listenPort = listenPort;
  return { config, privateKey };
}
