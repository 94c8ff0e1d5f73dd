/**
 * @module socket_peer
 * The peer address of the TCP socket on a file descriptor of this process,
 * read from Linux's /proc (Deno has no getpeername): the descriptor's socket
 * inode (/proc/self/fd/N is `socket:[INODE]`), then that inode's row in
 * /proc/net/tcp or tcp6. For `sync serve --stdio` started by an activator
 * that does not set REMOTE_ADDR (inetd, systemd-socket-activate): the
 * source address is what the home's processes rank connections by
 * (src/sync/stdio_admission.ts). Reads only; undefined when it cannot tell.
 */

import { formatIpv4, formatIpv6 } from "../ip.ts";

/** /proc/net/tcp's hex address: 32-bit words in host (little-endian) order. */
export function hostOf(hex: string): string | undefined {
  const words = hex.match(/[0-9A-F]{8}/gi);
  if (words === null || (words.length !== 1 && words.length !== 4)) return undefined;
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    for (let b = 0; b < 4; b++) bytes[i * 4 + b] = (n >>> (8 * b)) & 0xff;
  });
  if (bytes.length === 4) {
    return formatIpv4(((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0);
  }
  return `[${formatIpv6(bytes)}]`;
}

/** `host:port` of the peer of the TCP socket on `fd`, or undefined. */
export function socketPeer(fd = 0): string | undefined {
  let inode: string;
  try {
    const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/self/fd/${fd}`));
    if (m === null) return undefined;
    inode = m[1];
  } catch {
    return undefined;
  }
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f[9] !== inode) continue;
      const [addr, port] = f[2].split(":");
      const host = hostOf(addr);
      return host === undefined ? undefined : `${host}:${parseInt(port, 16)}`;
    }
  }
  return undefined;
}
