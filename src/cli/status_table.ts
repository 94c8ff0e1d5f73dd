/**
 * @module status_table
 * The peer table of `mycel status` (commands/status.ts), as `tailscale
 * status` shows its peers: one row per peer with its route, last sync, how
 * far behind it was and its state. Apart from the document
 * (status_json.ts) because it is the text's alone.
 */

import { shortDeviceId } from "../log/device_id.ts";
import { ago, msOf } from "../human.ts";
import type { PeerJson } from "./json_types.ts";
import type { Text } from "./output.ts";
import { type Cell, renderTable } from "./text_table.ts";

/** The STATE column: ok, never synced, or what went wrong last (as its first word). */
function peerState(p: PeerJson): Cell {
  if (p.last_error) {
    const word = p.last_error.split(":")[0];
    return { text: word, tone: word === "unreachable" ? "yellow" : "red" };
  }
  if (p.wireguard_only) return "wireguard only";
  if (p.last_sync === null) return "never synced";
  return { text: "ok", tone: "green" };
}

/** The peer table, as `tailscale status` shows its peers. */
export function peerTable(peers: readonly PeerJson[], now: number): Text[] {
  return renderTable(
    [
      { header: "name", max: 24 },
      { header: "id" },
      { header: "mesh ip" },
      { header: "route" },
      { header: "last sync" },
      { header: "behind", right: true },
      { header: "state" },
    ],
    peers.map((p) => [
      p.name,
      shortDeviceId(p.id),
      p.addresses.ipv4 || "-",
      p.path === "relayed" ? `relayed via ${p.relayed_via?.name ?? "?"}` : p.route ?? "-",
      p.wireguard_only ? "-" : ago(msOf(p.last_sync), now),
      String(p.behind),
      peerState(p),
    ]),
  );
}
