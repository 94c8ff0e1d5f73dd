/**
 * @module mesh_apply
 * Applying the mesh plan to this device's WireGuard interface, from three
 * places: `mesh up` (creates it if missing, moves dead tunnels on to their
 * next endpoint), `mesh remove` (at once, so the removed device's packets
 * stop here now) and the end of every `sync now` round (so a removal or a
 * new device reaches WireGuard within one round on every device running the
 * timer). The last two only touch an interface that exists — recorded in
 * local state and present — and say in one line when they lack the rights.
 * Each apply remembers, per peer, the endpoints its live tunnel used
 * (`PeerBook.wgEndpoints`), which later applies try first.
 *
 * The interface is changed outside any database transaction (wg and ip may
 * take seconds); only then does one short write record what worked.
 */

import { MycelError } from "../../errors.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import type { DeviceRecord } from "../../log/device_record.ts";
import { allocateIpv4 } from "../../mesh/addresses.ts";
import { findInterface, meshUp, type UpResult } from "../../mesh/interface.ts";
import { DEFAULT_INTERFACE, DEFAULT_WG_PORT, ipv4Losers, planInterface } from "../../mesh/plan.ts";
import { type EndpointHistory, remember } from "../../mesh/roaming.ts";
import { HINT_FORGET_S } from "../../mesh/hint_attempts.ts";
import { hintTriesOf, nextHintTries, sameHintTries } from "../../storage/hint_tries.ts";
import { formatEndpoint, parseEndpoint } from "../../log/endpoint.ts";
import type { PeerBook } from "../../storage/local_state.ts";
import { canAdminNetwork, type Platform, type Runner, systemRunner } from "../../mesh/system.ts";
import type { Home } from "../../storage/home_handle.ts";
import { lazyImport } from "../../lazy_import.ts";

/**
 * A peer's WireGuard history plus, for each host a sync session reached it
 * at directly (`reachAt`), that host at its WireGuard port, as of then: a
 * laptop that moved is first looked for where sync just found it.
 */
export function withReached(book: PeerBook, wgPort: number): EndpointHistory | undefined {
  const out: EndpointHistory = { ...book.wgEndpoints ?? {} };
  if (wgPort > 0) {
    for (const [e, at] of Object.entries(book.reachAt ?? {})) {
      let host;
      try {
        host = parseEndpoint(e).host;
      } catch {
        continue;
      }
      const wg = formatEndpoint({ host, port: wgPort });
      out[wg] = Math.max(out[wg] ?? 0, at);
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** How to apply. */
export interface ApplyOptions {
  /** Interface name (default: the recorded one, else mycel0). */
  ifname?: string;
  /** UDP port (default: the recorded one, else 51871). */
  port?: number;
  /** Create the interface when missing (`mesh up`). */
  create: boolean;
  /** Command runner (default: the real one). */
  runner?: Runner;
  /** Platform whose commands run (default: this machine's). */
  platform?: Platform;
}

/** What an apply did. */
export interface ApplyReport {
  /** Interface name. */
  ifname: string;
  /** UDP port. */
  port: number;
  /** What meshUp did. */
  up: UpResult;
  /** Planned peers. */
  peers: number;
}

/**
 * Apply the plan of writable `home` to its interface. With `create`, this
 * device's own record is brought up to date (WireGuard port, a new IPv4
 * after a collision) — committed only once the interface works, so a failed
 * `mesh up` changes nothing anywhere.
 */
export async function applyMesh(home: Home, o: ApplyOptions): Promise<ApplyReport> {
  const { checkIfname } = await lazyImport<typeof import("../../mesh/ifname.ts")>(
    new URL("../../mesh/ifname.ts", import.meta.url),
  );
  const recorded = home.local.get("mesh");
  const ifname = checkIfname(o.ifname ?? recorded?.interface ?? DEFAULT_INTERFACE);
  const port = o.port ?? recorded?.port ?? DEFAULT_WG_PORT;
  if (o.create && recorded !== undefined && recorded.interface !== ifname) {
    // Another name while the first still runs would leave two interfaces with
    // this device's key and addresses, and `mesh down` would remove only one.
    const there = await findInterface(o.runner ?? systemRunner, recorded.interface, o.platform)
      .catch(() => undefined);
    if (there !== undefined) {
      throw new MycelError(
        "mesh_up_elsewhere",
        "bring the mesh up",
        `it is up on ${recorded.interface} already`,
        {
          value: ifname,
          hint: `Run \`mycel mesh down\` first (it removes ${recorded.interface}), then ` +
            `\`mycel mesh up --interface ${ifname}\`.`,
        },
      );
    }
  }
  const view = home.view;
  const self = view.member(home.device)!.record;
  const fields: Partial<DeviceRecord> = {};
  if (o.create) {
    if (self.wgPort !== port) fields.wgPort = port;
    // Two devices admitted at once may have drawn the same IPv4; the one
    // admitted later (see ipv4Losers) takes a new address.
    if (ipv4Losers(view).has(self.id)) {
      const others = view.members().filter((m) => m.record.key !== home.device);
      fields.ipv4 = allocateIpv4(home.meshId, self.id, new Set(others.map((m) => m.record.ipv4)));
    }
  }
  const plan = planInterface(view, home.meshId, self.id, fields);
  const keyOf = new Map<string, DeviceKey>(view.members().map((m) => [m.record.id, m.record.key]));
  const wgPortOf = new Map(view.members().map((m) => [m.record.id, m.record.wgPort]));
  const history = (id: string) => {
    const key = keyOf.get(id);
    return key === undefined ? undefined : withReached(home.local.peer(key), wgPortOf.get(id) ?? 0);
  };
  const hint = (id: string) => {
    const key = keyOf.get(id);
    return key === undefined ? undefined : home.local.peer(key).wgHint;
  };
  // Hints steer a dead tunnel only as often as their past attempts allow.
  const tries = hintTriesOf(home.local);
  const attempt = (id: string) => {
    const key = keyOf.get(id);
    return key === undefined ? undefined : tries[key.hex];
  };
  const up = await meshUp({
    ifname,
    port,
    privateKey: (await home.keys()).wgPrivate,
    plan,
    runner: o.runner ?? systemRunner,
    platform: o.platform,
    create: o.create,
    rotate: o.create,
    history,
    hint,
    attempt,
  });
  if (!up.present) return { ifname, port, up, peers: plan.peers.length };
  await home.write(async (w) => {
    if (Object.keys(fields).length > 0) {
      await w.commit([{ type: "device.update", device: home.device, fields }]);
    }
    for (const h of up.handshakes) {
      const key = keyOf.get(h.deviceId);
      if (key !== undefined) {
        w.peer(key, (b) => b.wgEndpoints = remember(b.wgEndpoints, h.endpoint, h.at));
      }
    }
    const triesNow = nextHintTries(
      tries,
      up.attempts.flatMap((a) => {
        const key = keyOf.get(a.deviceId);
        return key === undefined ? [] : [[key.hex, a.attempt] as const];
      }),
      home.now(),
      HINT_FORGET_S * 1000,
    );
    if (!sameHintTries(tries, triesNow)) w.setLocal("hintTries", triesNow);
    const pid = up.pid ?? (recorded?.interface === ifname ? recorded.pid : undefined);
    w.setLocal("mesh", { interface: ifname, port, backend: up.backend, ...(pid ? { pid } : {}) });
  });
  return { ifname, port, up, peers: plan.peers.length };
}

/** Options of {@link applyIfUp}. */
export interface IfUpOptions {
  /** Wall clock. */
  now: () => number;
  /** Environment (for the keys). */
  env: (name: string) => string | undefined;
  /** Command runner (default: the real one). */
  runner?: Runner;
  /** The interface recorded in local state, when the caller read it already. */
  mesh?: { interface: string };
}

/**
 * When this device's mesh interface exists, apply the plan to it now (peers
 * revoked since drop out). Quiet when there is no interface; returns one
 * line for standard error when it exists but this process may not change
 * it, or when applying failed. Never throws: a round's result stands.
 */
export async function applyIfUp(root: string, o: IfUpOptions): Promise<string | undefined> {
  const { Home } = await lazyImport<typeof import("../../storage/home_handle.ts")>(
    new URL("../../storage/home_handle.ts", import.meta.url),
  );
  const runner = o.runner ?? systemRunner;
  try {
    let mesh = o.mesh;
    if (mesh === undefined) {
      using home = await Home.open(root, { write: false, now: o.now, env: o.env });
      mesh = home.local.get("mesh");
    }
    if (mesh === undefined || (await findInterface(runner, mesh.interface)) === undefined) {
      return undefined;
    }
    if (!(await canAdminNetwork())) {
      return `note: ${mesh.interface} is up but updating its peers needs root; removed devices stay ` +
        "in WireGuard until `sudo mycel mesh up` (or `mycel service install --mesh`, as root)";
    }
    const home = await Home.open(root, { write: true, now: o.now, env: o.env });
    try {
      await applyMesh(home, { create: false, ifname: mesh.interface, runner });
    } finally {
      home.close();
    }
    return undefined;
  } catch (e) {
    return `note: could not update the mesh interface: ${(e as Error).message}`;
  }
}
