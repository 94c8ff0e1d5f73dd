/**
 * @module discovery_node
 * One discovery role as its own process, for the namespace tests:
 *
 *   deno run -A _discovery_node.ts probe   SECRET_FILE DEVICE SYNC_PORT PEER...
 *   deno run -A _discovery_node.ts respond SECRET_FILE DEVICE SYNC_PORT
 *   deno run -A _discovery_node.ts stdin   SECRET_FILE DEVICE SYNC_PORT
 *
 * `probe` prints the devices found as JSON; `respond` answers on UDP 7850
 * until SIGTERM and prints "answering" once bound; `stdin` answers the
 * datagrams systemd (here `systemd-socket-activate --datagram --inetd`)
 * passes as standard input and prints how many it answered to stderr. The
 * secret is read from a 0600 file, never argv.
 */

import { probe, respond, respondStream } from "../../src/transport/udp_discovery.ts";

const [mode, secretFile, deviceId, syncPort, ...peers] = Deno.args;
const identity = {
  secret: await Deno.readFile(secretFile),
  deviceId,
  syncPort: Number(syncPort),
};
if (mode === "probe") {
  console.log(
    JSON.stringify(
      await probe({ identity, peers, listenMs: Number(Deno.env.get("LISTEN_MS") ?? 1500) }),
    ),
  );
} else if (mode === "respond") {
  const stop = new AbortController();
  Deno.addSignalListener("SIGTERM", () => stop.abort());
  await respond({ identity, signal: stop.signal, onListening: () => console.log("answering") });
  Deno.exit(0);
} else if (mode === "stdin") {
  const n = await respondStream({ identity, read: (b) => Deno.stdin.read(b), idleMs: 3000 });
  console.error(`answered ${n}`);
  Deno.exit(0); // the last read of standard input is still pending
} else {
  throw new Error(`unknown mode ${mode}`);
}
