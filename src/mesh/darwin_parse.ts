/**
 * @module darwin_parse
 * Reading macOS's `ifconfig IF` (the interface's global addresses, netmask
 * in hex) and `netstat -nr -f inet[6]` (the static routes through an
 * interface; networks may be written short, `100.64/10`). Tolerant of
 * column layout (which changed across macOS releases), strict about the
 * addresses it returns. Pure.
 */

import { formatCidr, parseCidr } from "../ip.ts";

function canonical(addr: string, prefix: number): string | undefined {
  try {
    return formatCidr(parseCidr(`${addr}/${prefix}`));
  } catch {
    return undefined;
  }
}

/** `100.64/10` (netstat's short form) → `100.64.0.0/10`; a bare host gets /32 or /128. */
export function netstatDestination(text: string): string | undefined {
  const [addr, len] = text.split("/");
  if (addr.includes("%") || addr === "default") return undefined;
  if (addr.includes(":")) return canonical(addr, len === undefined ? 128 : Number(len));
  const parts = addr.split(".");
  while (parts.length < 4) parts.push("0");
  return canonical(parts.join("."), len === undefined ? 32 : Number(len));
}

/** Global addresses in `ifconfig IF` output (netmask hex → prefix). */
export function parseIfconfig(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const v4 = /^\s+inet (\S+)(?: --> \S+)? netmask 0x([0-9a-f]{8})/.exec(line);
    if (v4) {
      const bits = parseInt(v4[2], 16).toString(2).replace(/0+$/, "").length;
      const c = canonical(v4[1], bits);
      if (c) out.push(c);
    }
    const v6 = /^\s+inet6 (\S+) prefixlen (\d+)/.exec(line);
    if (v6 && !v6[1].includes("%") && !/^fe[89ab]/i.test(v6[1])) {
      const c = canonical(v6[1], Number(v6[2]));
      if (c) out.push(c);
    }
  }
  return out;
}

/** Static routes through `real` in `netstat -nr -f inet[6]` output. */
export function parseNetstat(text: string, real: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !f.includes(real) || !/^[A-Za-z]*S[A-Za-z]*$/.test(f[2])) continue;
    const c = netstatDestination(f[0]);
    if (c) out.push(c);
  }
  return out;
}
