/**
 * @module endpoint
 * `HOST:PORT` endpoints where a device accepts sync connections. Hosts are
 * IPv4 literals, bracketed IPv6 literals (`[fd00::1]:7850`) or DNS names.
 */

import { ExitCode, MycelError } from "../errors.ts";
import { isIpv4, isIpv6 } from "../ip.ts";

/** A parsed endpoint. */
export interface Endpoint {
  /** IPv4/IPv6 literal (IPv6 without brackets) or DNS name. */
  readonly host: string;
  /** TCP port, 1–65535. */
  readonly port: number;
}

const DNS =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** True when `host` is a DNS name (RFC 1123: the last label is not all digits). */
function isDnsName(host: string): boolean {
  return DNS.test(host) && !/^\d+$/.test(host.slice(host.lastIndexOf(".") + 1));
}

/**
 * Parse `HOST:PORT`.
 * @throws MycelError `bad_endpoint` (usage) when malformed
 */
export function parseEndpoint(text: string): Endpoint {
  const fail = (reason: string) =>
    new MycelError("bad_endpoint", "use endpoint", reason, {
      value: text.slice(0, 100),
      hint: "Write it as HOST:PORT, e.g. 192.168.1.20:7850 or [fd00::1]:7850.",
      exit: ExitCode.usage,
    });
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:\[\]]+):(\d+)$/.exec(text);
  if (m === null) throw fail("it is not HOST:PORT");
  const [, host, portText] = m;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || portText.length > 5) {
    throw fail("the port must be 1–65535");
  }
  const bracketed = text.startsWith("[");
  // A zone (`fe80::1%eth0`) is allowed on link-local addresses.
  const [address, zone] = host.split("%", 2);
  const zoneOk = zone === undefined || /^[\w.-]{1,15}$/.test(zone);
  const valid = bracketed
    ? zoneOk && isIpv6(address)
    : isIpv4(host) || (!/^[\d.]+$/.test(host) && isDnsName(host));
  if (!valid) {
    throw fail("the host is not an IP address or name");
  }
  return { host, port };
}

/** Format an endpoint as `HOST:PORT` (IPv6 in brackets). */
export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}
