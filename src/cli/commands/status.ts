/**
 * @module status
 * `mycel status`: this device, its mesh, the state digest and a table of its
 * peers (as `tailscale status` shows them), with clock skew in either
 * direction — a device whose clock is off hears it too.
 */

import { toHex } from "../../bytes.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import { isReservedConfigKey } from "../../log/reserved_config.ts";
import { deviceIpv6 } from "../../mesh/addresses.ts";
import { wireguardOnly } from "../../mesh/plan.ts";
import type { Home } from "../../storage/home_handle.ts";
import type { WgDump } from "../../mesh/wg_dump.ts";
import { skewBeyondDrift } from "../../crdt/hlc.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { ago, duration, msOf, plural } from "../../human.ts";
import { isoTime, type PeerJson, type StatusJson } from "../json_types.ts";
import type { Text } from "../output.ts";
import { removalHere, removalJson, removalMessage } from "../removal.ts";
import { withRead } from "../session.ts";
import { type Cell, renderTable } from "../text_table.ts";
import { lazyImport } from "../../lazy_import.ts";

/** Build the status document (shared by text and JSON output). */
export async function statusJson(home: Home, now: number = Date.now()): Promise<StatusJson> {
  const view = home.view;
  const ipv6Of = (key: Uint8Array) => deviceIpv6(home.meshId, key);
  const { dump: wg, gone } = await wireguardView(home);
  const self = view.member(home.device)?.record;
  const peers: PeerJson[] = [];
  const ownHeads = home.log.heads();
  const books = home.local.peers();
  const skews: { device: string; skew_ms: number; at: string }[] = [];
  for (const m of view.members()) {
    const d = m.record;
    if (d.key === home.device || m.removed !== undefined) continue;
    const book = books.get(d.key);
    let behind = 0;
    if (book?.lastSync) {
      for (const [author, h] of ownHeads) {
        behind += Math.max(0, h.seq - (book.heads[author.hex] ?? 0));
      }
    }
    const w = wg?.peers.find((p) => p.publicKey === d.wgKey);
    // A phone with the WireGuard app (mesh export-wg) never syncs and writes
    // nothing: its record reaching us through a member is no relay.
    const wgOnly = wireguardOnly(m);
    const relay = wgOnly ? undefined : book?.relay;
    const relayed = relay !== undefined && relay.at > (book?.lastSync ?? 0);
    const via = relayed
      ? view.members().find((x) => x.record.key.hex === relay.via)?.record
      : undefined;
    const skew = book?.skewAt ? skewBeyondDrift(book.skewMs) : undefined;
    if (skew !== undefined) skews.push({ device: d.id, skew_ms: skew, at: isoTime(book!.skewAt)! });
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
      path: relayed ? "relayed" : book?.lastSync ? "direct" : null,
      relayed_via: via ? { id: via.id, name: via.name } : null,
      addresses: { ipv4: d.ipv4, ipv6: ipv6Of(d.key.bytes) },
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
      clock_skew_ms: skew ?? null,
      wireguard_only: wgOnly,
    });
  }
  const heads: StatusJson["log"]["heads"] = {};
  for (const [author, h] of [...ownHeads].sort(([a], [b]) => a.compare(b))) {
    heads[author.id] = { seq: h.seq, hash: toHex(h.hash) };
  }
  const members = view.members();
  const counted = peers.filter((p) => p.clock_skew_ms !== null || p.last_sync !== null).length;
  return {
    device: {
      id: home.device.id,
      name: self?.name ?? "",
      ipv4: self?.ipv4 ?? "",
      ipv6: ipv6Of(home.device.bytes),
      endpoints: self?.endpoints ?? [],
    },
    mesh: {
      id: home.meshId,
      devices: members.filter((m) => m.removed === undefined).length,
      revoked: members.filter((m) => m.removed !== undefined).length,
      interface: gone === undefined ? home.local.get("mesh")?.interface ?? null : null,
      gone: gone ?? null,
    },
    home: home.paths.root,
    counts: {
      config: view.configs().filter(([k]) => !isReservedConfigKey(k)).length,
      preferences: view.prefs().length,
      apps: view.apps().length,
      patterns: view.patterns().length,
    },
    log: { entries: home.log.count(), heads },
    state_digest: home.digest(),
    peers,
    forks: home.log.forks().map((f) => ({
      author: f.author.id,
      seq: f.seq,
      kept: toHex(f.kept),
      other: toHex(f.other),
      at: isoTime(f.at)!,
    })),
    clock_skew: skews,
    clock: ownClockVerdict(skews.map((k) => k.skew_ms), counted),
    stamps_ahead_ms: home.stampsAhead(now) ?? null,
  };
}

/**
 * When most peers' clocks are off the same way, ours is the odd one: say so
 * (a device that is behind must hear it too, not only the ones ahead).
 */
function ownClockVerdict(skews: number[], peers: number): StatusJson["clock"] {
  if (peers === 0 || skews.length * 2 <= peers) return null;
  const ahead = skews.filter((s) => s > 0).length;
  if (ahead * 2 > peers) {
    return { verdict: "behind", by_ms: Math.min(...skews.filter((s) => s > 0)) };
  }
  const behind = skews.filter((s) => s < 0).length;
  if (behind * 2 > peers) {
    return { verdict: "ahead", by_ms: Math.min(...skews.filter((s) => s < 0).map((s) => -s)) };
  }
  return null;
}

/**
 * `wg show dump` of the managed interface, if there is one and it can be
 * read; `gone` when `mesh up` made it and it no longer exists (wireguard-go
 * killed, a reboot): status must not say the mesh is up on it.
 */
async function wireguardView(home: Home): Promise<{ dump?: WgDump; gone?: string }> {
  const mesh = home.local.get("mesh");
  if (mesh === undefined) return {};
  const { linkExists, readWgDump } = await lazyImport<typeof import("../../mesh/interface.ts")>(
    new URL("../../mesh/interface.ts", import.meta.url),
  );
  const { systemRunner } = await lazyImport<typeof import("../../mesh/system.ts")>(
    new URL("../../mesh/system.ts", import.meta.url),
  );
  const dump = await readWgDump(systemRunner, mesh.interface);
  if (dump !== undefined) return { dump };
  // Unreadable (no root) or gone: only then is the link looked up — on Linux
  // in sysfs, without starting `ip` on every status of a user without root.
  const there = Deno.build.os === "linux"
    ? await Deno.lstat(`/sys/class/net/${mesh.interface}`).then(
      () => true,
      (e) => !(e instanceof Deno.errors.NotFound), // no sysfs: say nothing
    )
    : await linkExists(systemRunner, mesh.interface).catch(() => true);
  return there ? {} : { gone: mesh.interface };
}

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

/** `mycel status [--json]`. */
export const statusCommand: CommandSpec = {
  path: ["status"],
  summary: "show this device, its mesh, the state digest and its peers",
  description: "One line per peer: name, short id, mesh IPv4, the route of the last sync\n" +
    "(direct, mesh or discovered when this device dialled it; tcp or stdio when it dialled\n" +
    "this device's `sync serve`; `relayed via NAME` when its changes last came through\n" +
    "another device, not from itself), when it last synced, how many entries it lacked\n" +
    "then, and its state (ok, never synced, wireguard only for a device made by\n" +
    "`mesh export-wg`, or how the last attempt failed; details below the table).",
  args: [],
  flags: [JSON_FLAG],
  ...LOCAL,
  async run(ctx, input) {
    const { st, removal, names } = await withRead(ctx, async (home) => {
      const st = await statusJson(home, ctx.now());
      const names = new Map(home.view.members().map((m) => [m.record.id, m.record.name]));
      return { st, removal: removalHere(home.view, home.device, home.local.peers()), names };
    });
    // Where the private keys are kept (no secret read); null when the key file is unreadable.
    const { keysWhere } = await lazyImport<typeof import("../key_where.ts")>(
      new URL("../key_where.ts", import.meta.url),
    );
    const keys = await keysWhere(st.home, ctx.env, true).catch((e: Error) => e);
    if (input.flags.json) {
      // What the text's red note says (its state, or peers refusing it as removed).
      const removed = removalJson(removal);
      ctx.out.json({ ...st, keys: keys instanceof Error ? null : keys, removed });
      return 0;
    }
    const c = st.counts;
    const out = ctx.out;
    const now = ctx.now();
    const name = (id: string) => safeText(names.get(id) || shortDeviceId(id));
    out.line(`device  ${safeText(st.device.name)} (${st.device.id})`);
    out.line(
      `mesh    ${st.mesh.id} · ${plural(st.mesh.devices, "device")}` +
        (st.mesh.revoked ? ` · ${st.mesh.revoked} removed` : ""),
    );
    out.line(`home    ${safeText(st.home)}`);
    out.line(
      `keys    ${
        safeText(keys instanceof Error ? `unreadable: ${keys.message}` : keys.description)
      }`,
    );
    // Plain private keys others can read: said here too, not only by doctor.
    const keyMode = keys instanceof Error || keys.store !== "file"
      ? undefined
      : await Deno.stat(keys.path).then((i) => (i.mode ?? 0) & 0o777, () => undefined);
    if (keyMode !== undefined && (keyMode & 0o077) !== 0) {
      out.line([
        "        ",
        {
          text: `the key file is readable by other users (mode ${
            keyMode.toString(8).padStart(4, "0")
          }): run \`mycel doctor --fix\``,
          tone: "red",
        },
      ]);
    }
    out.line(
      `address ${st.device.ipv4} ${st.device.ipv6}` +
        (st.mesh.interface
          ? ` on ${st.mesh.interface}`
          : st.mesh.gone
          ? ` (mesh down: ${st.mesh.gone} is gone; run \`mycel mesh up\`)`
          : " (mesh down)"),
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
    if (st.stamps_ahead_ms !== null) {
      out.line([
        "clock: ",
        {
          text: `this device's stamps run ${
            duration(st.stamps_ahead_ms)
          } ahead of its clock (it ran with its clock set ahead)`,
          tone: "red",
        },
        "; its changes win ties with concurrent ones until time catches up",
      ]);
    }
    if (st.clock !== null) {
      out.line([
        "clock: ",
        {
          text: `this device's clock seems ${
            duration(st.clock.by_ms)
          } ${st.clock.verdict} of its peers`,
          tone: "red",
        },
        " (fix it: ties between concurrent changes are decided by time)",
      ]);
    } else {
      for (const k of st.clock_skew) {
        out.line(
          `skew: ${name(k.device)}'s clock is ${duration(Math.abs(k.skew_ms))} ${
            k.skew_ms > 0 ? "ahead of" : "behind"
          } this one's`,
        );
      }
    }
    return 0;
  },
};
