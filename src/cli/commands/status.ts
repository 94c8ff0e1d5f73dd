/**
 * @module status
 * `mycel status`: this device, its mesh, the state digest and every peer.
 */

import { toHex } from "../../bytes.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import { stateDigest } from "../../log/state_codec.ts";
import type { Store } from "../../storage/store.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { ago, duration, msOf, plural } from "../human.ts";
import { isoTime, type PeerJson, type StatusJson } from "../json_types.ts";
import type { Text } from "../output.ts";
import { removalInState, removalMessage } from "../removal.ts";
import { openRead } from "../session.ts";
import { type Cell, renderTable } from "../text_table.ts";

/** Build the status document (shared by text and JSON output). */
export async function statusJson(store: Store, now: number = Date.now()): Promise<StatusJson> {
  const s = store.state;
  const { meshIpv6Web } = await import("../../mesh/address_web.ts");
  const { parseDeviceId } = await import("../../log/device_id.ts");
  const ipv6In = await meshIpv6Web(store.local.meshId);
  const ipv6Of = (id: string) => ipv6In(parseDeviceId(id).publicKey);
  const wg = await wireguardView(store);
  const self = s.device(store.deviceId);
  const peers: PeerJson[] = [];
  const ownHeads = store.heads;
  for (const d of s.allDevices()) {
    if (d.id === store.deviceId || !s.isMember(d.id)) continue;
    const book = store.local.peers[d.id];
    let behind = 0;
    if (book?.lastSync) {
      for (const [author, h] of ownHeads) behind += Math.max(0, h.seq - (book.heads[author] ?? 0));
    }
    const a = { ipv4: d.ipv4, ipv6: await ipv6Of(d.id) };
    const w = wg?.peers.find((p) => p.publicKey === d.wgKey);
    peers.push({
      id: d.id,
      name: d.name,
      endpoints: d.endpoints,
      last_seen: isoTime(book?.lastSeen),
      last_sync: isoTime(book?.lastSync),
      last_error: book?.lastError || null,
      sent: book?.sent ?? 0,
      received: book?.received ?? 0,
      behind,
      route: book?.path || null,
      addresses: a,
      wireguard: w === undefined ? null : {
        endpoint: w.endpoint,
        latest_handshake: w.latestHandshake
          ? new Date(w.latestHandshake * 1000).toISOString()
          : null,
        handshake_age_s: w.latestHandshake
          ? Math.max(0, Math.round(now / 1000 - w.latestHandshake))
          : null,
        rx_bytes: w.rxBytes,
        tx_bytes: w.txBytes,
      },
      clock_skew_ms: store.local.skew[d.id]?.aheadMs ?? null,
    });
  }
  const heads: StatusJson["log"]["heads"] = {};
  let entries = 0;
  for (const [author, h] of [...ownHeads].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    heads[author] = { seq: h.seq, hash: toHex(h.hash) };
    entries += h.seq;
  }
  const members = s.members.state();
  return {
    device: {
      id: store.deviceId,
      name: self?.name ?? "",
      ipv4: self?.ipv4 ?? "",
      ipv6: self ? await ipv6Of(self.id) : "",
      endpoints: self?.endpoints ?? [],
    },
    mesh: {
      id: store.local.meshId,
      devices: s.members.members().length,
      revoked: members.removed.length,
      interface: store.local.mesh?.interface ?? null,
    },
    home: store.paths.root,
    counts: {
      config: s.config.size,
      preferences: s.prefs.size,
      apps: s.apps.size,
      patterns: s.patterns.size,
    },
    log: { entries, heads },
    state_digest: await stateDigest(s),
    peers,
    forks: store.local.forks.map((f) => ({ ...f, at: isoTime(f.at)! })),
    clock_skew: Object.entries(store.local.skew).map(([device, k]) => ({
      device,
      ahead_ms: k.aheadMs,
      at: isoTime(k.at)!,
    })),
  };
}

/** `wg show dump` of the managed interface, if there is one and it can be read. */
async function wireguardView(store: Store) {
  if (store.local.mesh === undefined) return undefined;
  const { readWgDump } = await import("../../mesh/interface.ts");
  const { systemRunner } = await import("../../mesh/system.ts");
  return await readWgDump(systemRunner, store.local.mesh.interface);
}

/** The STATE column: ok, never synced, or what went wrong last (as its first word). */
function peerState(p: PeerJson): Cell {
  if (p.last_error) {
    const word = p.last_error.split(":")[0];
    return { text: word, tone: word === "unreachable" ? "yellow" : "red" };
  }
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
      p.route ?? "-",
      ago(msOf(p.last_sync), now),
      String(p.behind),
      peerState(p),
    ]),
  );
}

/** `mycel status [--json]`. */
export const statusCommand: CommandSpec = {
  path: ["status"],
  summary: "show this device, its mesh, the state digest and its peers",
  description: "One line per peer: name, short id, mesh IPv4, the route of the last sync\n" +
    "(direct, mesh or relayed), when it last synced, how many entries it lacked then, and\n" +
    "its state (ok, never synced, or how the last attempt failed; details below the table).",
  args: [],
  flags: [JSON_FLAG],
  ...LOCAL,
  async run(ctx, input) {
    const store = await openRead(ctx);
    const st = await statusJson(store, ctx.now());
    if (input.flags.json) {
      ctx.out.json(st);
      return 0;
    }
    const c = st.counts;
    const out = ctx.out;
    const now = ctx.now();
    const name = (id: string) => safeText(store.state.device(id)?.name || shortDeviceId(id));
    out.line(`device  ${safeText(st.device.name)} (${st.device.id})`);
    out.line(
      `mesh    ${st.mesh.id} · ${plural(st.mesh.devices, "device")}` +
        (st.mesh.revoked ? ` · ${st.mesh.revoked} removed` : ""),
    );
    out.line(`home    ${safeText(st.home)}`);
    out.line(
      `address ${st.device.ipv4} ${st.device.ipv6}` +
        (st.mesh.interface ? ` on ${st.mesh.interface}` : " (mesh down)"),
    );
    out.line(
      `state   ${plural(c.preferences, "preference")} · ${plural(c.config, "config key")} · ` +
        `${plural(c.apps, "app")} · ${plural(c.patterns, "pattern")}`,
    );
    out.line(
      `log     ${plural(st.log.entries, "entry", "entries")} from ${
        plural(Object.keys(st.log.heads).length, "device")
      }`,
    );
    out.line(`digest  ${st.state_digest}`);
    const removal = removalInState(store.state, store.deviceId);
    if (removal) out.line(["note    ", { text: safeText(removalMessage(removal)), tone: "red" }]);
    out.line();
    if (st.peers.length === 0) out.line("No peers yet: add one with `mycel pair`.");
    else for (const l of peerTable(st.peers, now)) out.line(l);
    for (const p of st.peers.filter((p) => p.last_error)) {
      out.line(`  ${safeText(p.name)}: ${safeText(p.last_error!)}`);
    }
    for (const f of st.forks) {
      out.line(
        `fork: ${name(f.author)}'s log has two entries ${f.seq}: kept ${f.kept.slice(0, 12)}, ` +
          `set aside ${f.other.slice(0, 12)} (${ago(msOf(f.at), now)})`,
      );
    }
    for (const k of st.clock_skew) {
      out.line(`skew: ${name(k.device)}'s clock ran ${duration(k.ahead_ms)} ahead of this one`);
    }
    return 0;
  },
};
