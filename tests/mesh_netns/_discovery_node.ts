/**
 * @module discovery_node
 * One discovery role as its own process, for the namespace tests:
 *
 *   deno run -A _discovery_node.ts probe   SECRET_FILE DEVICE SYNC_PORT PEER...
 *   deno run -A _discovery_node.ts respond SECRET_FILE DEVICE SYNC_PORT
 *   deno run -A _discovery_node.ts stdin   SECRET_FILE DEVICE SYNC_PORT
 *
 * `probe` prints the devices found, its packet counters and the time to
 * the first answer (ms) as JSON;
 * `respond` answers on UDP 7850 until SIGTERM, prints "answering" once bound
 * and its counters (stderr) at the end; `stdin` answers the datagrams
 * systemd (here `systemd-socket-activate --datagram --inetd`) passes as
 * standard input and prints how many it answered and its counters (stderr). The
 * secret is read from a 0600 file, never argv.
 */

import { probe, respond, respondStream } from "../../src/transport/udp_discovery.ts";

const [mode, secretFile, deviceId, syncPort, ...peers] = Deno.args;
const identity = {
  secret: await Deno.readFile(secretFile),
  deviceId,
  syncPort: Number(syncPort),
};
const counters = { sent: 0, sentBytes: 0, received: 0 };
if (mode === "probe") {
  const listenMs = Number(Deno.env.get("LISTEN_MS") ?? 1500);
  const started = performance.now();
  let firstMs: number | null = null;
  const onFound = () => (firstMs ??= performance.now() - started);
  const found = await probe({ identity, peers, listenMs, counters, onFound });
  console.log(JSON.stringify({ found, counters, firstMs }));
} else if (mode === "respond") {
  const stop = new AbortController();
  Deno.addSignalListener("SIGTERM", () => stop.abort());
  await respond({
    identity,
    signal: stop.signal,
    counters,
    onListening: () => console.log("answering"),
  });
  console.error(JSON.stringify(counters));
  Deno.exit(0);
} else if (mode === "stdin") {
  const n = await respondStream({
    identity,
    counters,
    read: (b) => Deno.stdin.read(b),
    idleMs: 3000,
  });
  console.error(`answered ${n} ${JSON.stringify(counters)}`);
  Deno.exit(0); // the last read of standard input is still pending
} else {
  throw new Error(`unknown mode ${mode}`);
}
