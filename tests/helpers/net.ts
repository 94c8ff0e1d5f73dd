/**
 * @module net_helper
 * Network helpers for tests that run real servers on 127.0.0.1.
 *
 * ```ts
 * const port = freePort();
 * await using server = home.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
 * ```
 */

import net from "node:net";

/** The lowest port the kernel hands out as a connection's own (Linux; 32768 by default). */
function ephemeralLow(): number {
  try {
    const text = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    const low = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

/** Where {@link freePort} notes the ports it handed out (one empty file per port). */
const RESERVED = `${Deno.env.get("TMPDIR") ?? "/tmp"}/mycel-test-ports-${Deno.uid() ?? "x"}`;

/** A note younger than this holds its port (a full run takes about 11 minutes). */
const RESERVED_MS = 60 * 60_000;

let swept = false;

/**
 * Once per process: delete the notes that no longer hold their port (over
 * {@link RESERVED_MS} old), so what runs leave in the temporary folder is
 * the last hour's notes, not every port ever handed out.
 */
function sweepOnce(): void {
  if (swept) return;
  swept = true;
  try {
    for (const e of Deno.readDirSync(RESERVED)) {
      const path = `${RESERVED}/${e.name}`;
      try {
        const age = Date.now() - (Deno.statSync(path).mtime?.getTime() ?? 0);
        if (e.isFile && age >= RESERVED_MS) Deno.removeSync(path);
      } catch {
        // taken or removed meanwhile by another process
      }
    }
  } catch {
    // no notes yet
  }
}

/**
 * Note `port` as handed out; false when another test (another process or
 * worker of this run, or of a run under an hour ago) already has it. A note
 * that can't be read or written blocks nothing.
 */
function reserve(port: number): boolean {
  const path = `${RESERVED}/${port}`;
  sweepOnce();
  try {
    Deno.mkdirSync(RESERVED, { recursive: true });
    Deno.writeFileSync(path, new Uint8Array(0), { createNew: true });
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) return true;
  }
  try {
    const age = Date.now() - (Deno.statSync(path).mtime?.getTime() ?? 0);
    if (age < RESERVED_MS) return false;
    Deno.writeFileSync(path, new Uint8Array(0)); // a run long over: the port is free to take again
  } catch {
    // can't tell: take it
  }
  return true;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, chosen below the
 * kernel's ephemeral range: a port bound with 0 comes from that range, which
 * every outgoing connection of the parallel tests also draws its own port
 * from, so between choosing it and binding it again a test's connection
 * could take it ("the port is already in use", seen in a full run). A port
 * is handed out once per run: tests running in parallel used to pick the
 * same port by chance (1 in ~20,000 per pair, with some 350 ports picked in
 * a full run), and a device's port is often bound seconds after it is
 * chosen, or never (a peer meant to be unreachable), so the check that it
 * is bindable now did not see the other test's claim; the second server
 * then failed to bind, or a test's "unreachable" peer answered.
 */
export function freePort(): number {
  const top = ephemeralLow();
  const bottom = Math.max(10_000, top - 20_000);
  for (let i = 0; i < 50; i++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom));
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      continue; // taken: try another
    }
    if (reserve(port)) return port;
  }
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * An idle TCP connection from the loopback address `local` (127.0.0.2 and up
 * are other sources on Linux) to 127.0.0.1:`port`: it sends nothing unless
 * told to ({@link write});
 * `connected` resolves once connected, `closed` once the server drops it
 * (`closedAt` says when, on `performance.now()`'s clock).
 */
export function idleSocket(port: number, local: string) {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: local });
  let closedAt: number | undefined;
  const closed = new Promise<void>((resolve) => {
    socket.on("close", () => {
      closedAt = performance.now();
      resolve();
    });
  });
  socket.on("error", () => {});
  socket.on("data", () => {}); // the server sends nothing before a handshake; drain anyway
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return {
    connected,
    closed,
    get closedAt() {
      return closedAt;
    },
    /** Send `bytes` once (a replay, say); the socket stays otherwise idle. */
    write: (bytes: Uint8Array) => void socket.write(bytes),
    destroy: () => socket.destroy(),
  };
}

/**
 * Wait until something accepts TCP connections on 127.0.0.1:`port`, trying
 * every 50 ms for `waitMs`; throws naming `what` if nothing ever does, so a
 * server that failed to start is said at once rather than as a later
 * connection refused with no cause (the benchmarks' loops returned quietly).
 */
export async function listening(port: number, what: string, waitMs = 10_000): Promise<void> {
  const until = performance.now() + waitMs;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (e) {
      if (performance.now() > until) {
        throw new Error(`${what} is not listening on 127.0.0.1:${port} after ${waitMs} ms: ${e}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
