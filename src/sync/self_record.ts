/**
 * @module self_record
 * A device keeps its own record current (rules: src/mesh/self_endpoints.ts):
 * each round, and around pairing, it compares the addresses it has now with
 * the endpoints it advertises and signs a `device.update` only when they
 * differ — so an unchanged round reads the interface list and writes
 * nothing. The addresses come from `Deno.networkInterfaces()`, or from
 * `MYCEL_ADDRESSES` (comma-separated IPv4 addresses; empty: none) where the
 * interface list says nothing useful (tests, unusual hosts).
 */

import { DEFAULT_WG_PORT } from "../mesh/plan.ts";
import {
  advertisable,
  type LocalAddress,
  ownSyncPort,
  selfUpdate,
  wantedEndpoints,
} from "../mesh/self_endpoints.ts";
import type { Home } from "../storage/home_handle.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { lazyImport } from "../lazy_import.ts";

/** This machine's addresses (empty when they cannot be read). */
export function localAddresses(): LocalAddress[] {
  try {
    return Deno.networkInterfaces();
  } catch {
    return [];
  }
}

/** The addresses mycel takes as this machine's: `MYCEL_ADDRESSES` when set, else the interfaces'. */
export function addressesFrom(env: (name: string) => string | undefined): LocalAddress[] {
  const given = env("MYCEL_ADDRESSES");
  if (given === undefined) return localAddresses();
  return given.split(",").map((a) => a.trim()).filter(Boolean).map((address) => ({
    name: "env",
    family: "IPv4",
    address,
  }));
}

/** The addresses to advertise now (see self_endpoints.ts), from `addresses` or the machine's. */
export function currentAddresses(addresses?: readonly LocalAddress[]): string[] {
  return advertisable(addresses ?? localAddresses());
}

/** What this device's own record should change, and the managed list to remember. */
export interface SelfChange {
  /** Fields to change (none: nothing to sign). */
  fields: { endpoints?: string[]; wgPort?: number };
  /** Managed endpoints to remember (`autoEndpoints`), when that changed. */
  auto?: string[];
  /** Pinned endpoints moved to the listener's port (self_endpoints.ts `wantedEndpoints`). */
  followed: { before: string; after: string }[];
  /** Pinned endpoints at another port than the sync port: maybe a port forward, maybe stale. */
  elsewhere: string[];
  /** Every pinned endpoint. */
  pinned: string[];
  /**
   * Endpoints left as they are because another `sync serve --listen` of
   * this home answers at their port now (a listener starting elsewhere
   * changed nothing then).
   */
  kept?: string[];
}

/**
 * The change that brings this device's record in `home` up to date.
 * `wgPort`: also publish the WireGuard port while the record has none
 * (pairing; `mesh up` publishes it otherwise). Rounds only follow addresses.
 * `listenHost`: a listener bound there starts on `syncPort`.
 */
export function selfChange(
  home: Home,
  addresses: readonly LocalAddress[],
  o: { wgPort: boolean; syncPort?: number; listenHost?: string },
): SelfChange {
  const self = home.view.member(home.device);
  if (self === undefined || self.removed !== undefined) {
    return { fields: {}, followed: [], elsewhere: [], pinned: [] };
  }
  const managed = home.local.get("autoEndpoints") ?? [];
  const wgPort = o.wgPort ? home.local.get("mesh")?.port ?? DEFAULT_WG_PORT : 0;
  const up = selfUpdate(
    self.record,
    managed,
    currentAddresses(addresses),
    wgPort,
    o.syncPort ?? ownSyncPort(self.record.endpoints, managed),
    o.listenHost === undefined
      ? undefined
      : { host: o.listenHost, local: addresses.map((a) => a.address) },
  );
  const same = up.auto.length === managed.length && up.auto.every((e, i) => e === managed[i]);
  return {
    fields: up.fields,
    ...(same ? {} : { auto: up.auto }),
    followed: up.followed,
    elsewhere: up.elsewhere,
    pinned: up.pinned,
  };
}

/**
 * The endpoints with none pinned (`mesh set-endpoint --auto`): every
 * recorded endpoint counts as managed, so only `addresses` stay, at the
 * advertised port; `auto` is the managed list to remember.
 */
export function unpinnedEndpoints(
  home: Home,
  addresses: readonly LocalAddress[],
): { endpoints: string[]; auto: string[] } {
  const recorded = home.view.member(home.device)?.record.endpoints ?? [];
  const managed = home.local.get("autoEndpoints") ?? [];
  const plan = wantedEndpoints(
    recorded,
    [...managed, ...recorded],
    currentAddresses(addresses),
    ownSyncPort(recorded, managed),
  );
  return { endpoints: plan.endpoints, auto: plan.auto };
}

/**
 * Each round (and when a listener starts, with the port it listens on):
 * bring this device's endpoints in `home` (writable) up to date with
 * `addresses`; returns the fields it changed (none: nothing was written).
 */
export async function refreshSelfRecord(
  home: Home,
  addresses: readonly LocalAddress[],
  syncPort?: number,
): Promise<SelfChange["fields"]> {
  return (await refreshSelf(home, addresses, syncPort)).fields;
}

/**
 * {@link refreshSelfRecord}, for a listener bound to `listenHost` too;
 * returns the whole change, with the pinned endpoints it should name.
 */
async function refreshSelf(
  home: Home,
  addresses: readonly LocalAddress[],
  syncPort?: number,
  listenHost?: string,
): Promise<SelfChange> {
  const change = selfChange(home, addresses, { wgPort: false, syncPort, listenHost });
  if (Object.keys(change.fields).length === 0 && change.auto === undefined) return change;
  await home.write(async (w) => {
    if (Object.keys(change.fields).length > 0) {
      await w.commit([{ type: "device.update", device: home.device, fields: change.fields }]);
    }
    if (change.auto) w.setLocal("autoEndpoints", change.auto);
  }, { signs: Object.keys(change.fields).length > 0 });
  return change;
}

/**
 * Open the home at `root` and {@link refreshSelfRecord} it (a listener
 * starting on `syncPort`, bound to `listenHost`).
 */
export async function refreshAt(
  root: string,
  env: (name: string) => string | undefined,
  syncPort: number,
  listenHost?: string,
): Promise<SelfChange> {
  const { Home } = await lazyImport<typeof import("../storage/home_handle.ts")>(
    new URL("../storage/home_handle.ts", import.meta.url),
  );
  const { listenerLive } = await lazyImport<typeof import("../storage/listen_lock.ts")>(
    new URL("../storage/listen_lock.ts", import.meta.url),
  );
  using home = await Home.open(root, { write: true, env });
  if (listenHost !== undefined) {
    // A serve of this home still answers at the advertised port: moving
    // the endpoint to this one would send peers away from it, and leave
    // them at a port nothing answers once this serve stops.
    const recorded = home.view.member(home.device)?.record.endpoints ?? [];
    const kept: string[] = [];
    for (const e of recorded) {
      const port = parseEndpoint(e).port;
      if (port !== syncPort && await listenerLive(root, port)) kept.push(e);
    }
    if (kept.length > 0) return { fields: {}, followed: [], elsewhere: [], pinned: [], kept };
  }
  return await refreshSelf(home, addressesFrom(env), syncPort, listenHost);
}
