/**
 * @module doctor_network
 * `mycel doctor`'s network checks: WireGuard tools and interface, routes
 * another interface claims, and each peer's reachability (over the mesh when
 * its tunnel is up: a live WireGuard handshake means the device is there; a
 * sync handshake at each address, not only an open port).
 */

import type { DeviceRecord } from "../log/device_record.ts";
import { isMycelError } from "../errors.ts";
import { formatEndpoint, parseEndpoint } from "../log/endpoint.ts";
import type { Runner } from "../mesh/system.ts";
import type { Home } from "../storage/home_handle.ts";
import { safeText } from "../text_safety.ts";
import { lazyImport } from "../lazy_import.ts";
import { deviceLabels } from "./devices.ts";
import { type Finding, mode } from "./doctor.ts";
import { type MeshView, meshView } from "./mesh_view.ts";
import { isRemovalRefusal, refusalInLocalTime, REJOIN_HINT } from "./removal.ts";

/** WireGuard tools installed, and the interface up when mycel manages one. */
export async function checkWireguard(home: Home, runner: Runner): Promise<Finding[]> {
  const has = async (cmd: string, args: string[]) => {
    try {
      return (await runner.run(cmd, args)).code === 0;
    } catch (e) {
      if (isMycelError(e, "missing_tool")) return false;
      throw e; // hung (tool_timeout) or Ctrl-C: not "missing"
    }
  };
  const out: Finding[] = [];
  const wg = await has("wg", ["--version"]);
  const ip = await has("ip", ["-V"]);
  const kernel = (await mode("/sys/module/wireguard")) !== undefined;
  const userspace = await has("wireguard-go", ["--version"]);
  const missing = [
    !wg && "wg (wireguard-tools)",
    !ip && "ip (iproute2)",
    !kernel && !userspace && "wireguard-go or the kernel module",
  ]
    .filter(Boolean);
  out.push(
    missing.length === 0
      ? {
        check: "wireguard",
        ok: true,
        detail: `tools present (${kernel ? "kernel module" : "wireguard-go"})`,
      }
      : {
        check: "wireguard",
        ok: false,
        detail: `missing ${
          missing.join(", ")
        }: the mesh cannot come up (sync still works directly)`,
        hint: "Debian/Ubuntu: sudo apt install wireguard-tools wireguard-go iproute2",
      },
  );
  const mesh = home.local.get("mesh");
  if (mesh && ip) {
    const { linkExists } = await lazyImport<typeof import("../mesh/interface.ts")>(
      new URL("../mesh/interface.ts", import.meta.url),
    );
    const up = await linkExists(runner, mesh.interface);
    out.push(
      up ? { check: "interface", ok: true, detail: `${mesh.interface} is up` } : {
        check: "interface",
        ok: false,
        detail: `${mesh.interface} is gone`,
        hint: "Run `sudo mycel mesh up`.",
      },
    );
    if (up && Deno.build.os === "linux") {
      out.push(await checkRouteOverlap(home, runner, mesh.interface));
    }
  }
  return out;
}

/**
 * Does each peer answer sync: over the mesh when its tunnel is up, else at
 * one of its endpoints? Each address gets a sync handshake (peer_probe.ts:
 * the peer must prove its key; nothing is exchanged), so a port where
 * something else listens is not "reachable"; before, a TCP connect was all
 * and any listener counted. Without this device's keys (unreadable: the
 * keys finding says why) only the port is tried, and the finding says so.
 * All peers are tried at once; `onFinding` hears each as soon as it is
 * known. Peer names and errors are peer text: they pass the text-safety
 * check here.
 */
export async function checkPeers(
  home: Home,
  timeoutMs: number,
  onFinding: (f: Finding) => void = () => {},
  runner?: Runner,
  nowMs: number = Date.now(),
): Promise<Finding[]> {
  const { connectTcp } = await lazyImport<typeof import("../transport/tcp.ts")>(
    new URL("../transport/tcp.ts", import.meta.url),
  );
  const { syncsWithMycel } = await lazyImport<typeof import("../mesh/plan.ts")>(
    new URL("../mesh/plan.ts", import.meta.url),
  );
  const { isLive } = await lazyImport<typeof import("../mesh/roaming.ts")>(
    new URL("../mesh/roaming.ts", import.meta.url),
  );
  const { probePeer } = await lazyImport<typeof import("../sync/peer_probe.ts")>(
    new URL("../sync/peer_probe.ts", import.meta.url),
  );
  const { admissions } = await lazyImport<typeof import("../sync/round.ts")>(
    new URL("../sync/round.ts", import.meta.url),
  );
  const { directRoutes } = await lazyImport<typeof import("../sync/peer_routes.ts")>(
    new URL("../sync/peer_routes.ts", import.meta.url),
  );
  const ifname = home.local.get("mesh")?.interface;
  const mesh = ifname === undefined ? { up: false } as MeshView : await meshView(ifname, runner);
  const peers = home.view.members()
    .filter((m) => m.removed === undefined && m.record.key !== home.device)
    .map((m) => m.record).filter(syncsWithMycel);
  const keys = peers.length === 0 ? undefined : await home.noiseKeys().catch((e) => {
    if (isMycelError(e, "sync_interrupted")) throw e; // Ctrl-C ends doctor, not this check
    return undefined;
  });
  const admission = admissions(home);
  const nowS = Math.floor(nowMs / 1000);
  // Two devices may share a name: each line then says which (its short id).
  const label = deviceLabels(home.view);
  return await Promise.all(peers.map(async (peer): Promise<Finding> => {
    const f = { ...await checkPeer(peer, label(peer.id)), device: peer.id };
    onFinding(f);
    return f;
  }));

  /** What answers at host:port: sync (a handshake), a refusal, or only an open port. */
  async function reach(p: DeviceRecord, host: string, port: number): Promise<
    { ok: true; how: string } | { ok: false; refused?: string; error: string }
  > {
    const dial = () => connectTcp(host, port, timeoutMs);
    if (keys === undefined) {
      (await dial()).close();
      return {
        ok: true,
        how: "port open (no sync handshake tried: this device's keys can't be read)",
      };
    }
    const r = await probePeer(keys, p, dial, timeoutMs, admission(p));
    if (r.kind === "answered") return { ok: true, how: "sync handshake answered" };
    if (r.kind === "refused") return { ok: false, refused: r.reason, error: r.reason };
    return { ok: false, error: `port open, but no sync handshake: ${r.reason}` };
  }

  async function checkPeer(p: DeviceRecord, name: string): Promise<Finding> {
    const wg = mesh.dump?.peers.find((x) => x.publicKey === p.wgKey);
    const live = isLive(wg, nowS);
    const tunnel = live
      ? ` (WireGuard handshake ${nowS - wg!.latestHandshake!}s ago at ${
        safeText(wg!.endpoint ?? "")
      })`
      : "";
    const errors: string[] = [];
    // A removal refusal is said as sync now and status say it (its time
    // local), with what to do about it: no `status` on the peer helps then.
    const refusal = (at: string, why: string): Finding => ({
      check: "peer",
      ok: false,
      detail: `${name} at ${at} refuses this device: ${safeText(refusalInLocalTime(why))}`,
      hint: isRemovalRefusal(why)
        ? REJOIN_HINT
        : `Its sync answers, but not to this device: see \`mycel status\` on ${name}.`,
    });
    const port = p.endpoints.length > 0 ? parseEndpoint(p.endpoints[0]).port : undefined;
    // True when a connect through the tunnel got no answer at all (not even a refusal).
    let silent = false;
    // The mesh route first when the tunnel is up (or its state cannot be read), as sync does.
    if (mesh.up && p.ipv4 !== "" && port !== undefined && (mesh.dump === undefined || live)) {
      try {
        const r = await reach(p, p.ipv4, port);
        if (r.ok) {
          return {
            check: "peer",
            ok: true,
            detail: `${name} reachable over the mesh at ${p.ipv4}:${port}: ${r.how}${tunnel}`,
          };
        }
        if (r.refused !== undefined) return refusal(`${p.ipv4}:${port}`, r.refused);
        errors.push(`over the mesh: ${safeText(r.error)}`);
      } catch (err) {
        silent = isMycelError(err, "timeout");
        errors.push(`over the mesh: ${(err as Error).message.replace(/^Cannot [^:]*: /, "")}`);
      }
    }
    // Where a session with it last worked first, then its endpoints: what
    // sync now dials (peer_routes.ts). Before, only the endpoints: a peer
    // whose record named a port nothing answered on was "unreachable" here
    // while every round still reached it at the address that worked.
    for (const { host, port } of directRoutes(p, home.local.peer(p.key), nowMs)) {
      const e = formatEndpoint({ host, port });
      try {
        const r = await reach(p, host, port);
        if (r.ok) {
          return {
            check: "peer",
            ok: true,
            detail: `${name} reachable at ${safeText(e)}: ${r.how}`,
          };
        }
        if (r.refused !== undefined) return refusal(safeText(e), r.refused);
        errors.push(`${safeText(e)}: ${safeText(r.error)}`);
      } catch (err) {
        errors.push(safeText((err as Error).message.replace(/^Cannot [^:]*: /, "")));
      }
    }
    if (live && silent) {
      // A handshake under 3 minutes old is no proof the device is there now
      // (WireGuard renews it every 2 minutes at most): nothing answering at
      // all, not even a refusal, means the packets go nowhere. Before, this
      // said the tunnel was up and blamed the peer's sync service.
      return {
        check: "peer",
        ok: false,
        detail: `nothing came back from ${name} through its tunnel (last WireGuard handshake ${
          nowS - wg!.latestHandshake!
        }s ago at ${safeText(wg!.endpoint ?? "")}): ${errors.join("; ")}`,
        hint: `${name} may have moved, gone to sleep or gone offline: once it is back, the ` +
          `next rounds find it again (\`mycel status\`). If this lasts, is ${name} on?`,
      };
    }
    if (live) {
      // Something answered through the tunnel (a refusal, a failed
      // handshake), so the device is there: only its sync service does not.
      return {
        check: "peer",
        ok: false,
        detail: `${name}'s tunnel is up${tunnel} but sync does not answer: ${errors.join("; ")}`,
        hint: `Is mycel serving sync on ${name} (\`mycel service status\` there)?`,
      };
    }
    return {
      check: "peer",
      ok: false,
      detail: `${name} unreachable: ${errors.join("; ") || "it has no endpoint"}`,
      hint: p.endpoints.length === 0
        ? `On ${name}: \`mycel mesh set-endpoint HOST:PORT\` and \`mycel service install\`.`
        : errors.some((x) => /no sync handshake/.test(x))
        ? `Something else answers at that port, or ${name}'s sync does not (an endpoint ` +
          `out of date: \`mycel mesh set-endpoint HOST:PORT\` on ${name}).`
        : `Is ${name} on and serving (\`mycel service status\` there)? Is the port open?`,
    };
  }
}

/** Does another interface route addresses the mesh uses (Tailscale, a carrier's CGNAT)? */
export async function checkRouteOverlap(
  home: Home,
  runner: Runner,
  ifname: string,
): Promise<Finding> {
  const { describeOverlaps, findOverlaps, parseIpRoutes } = await import(
    "../mesh/route_overlap.ts"
  );
  const { planInterface } = await lazyImport<typeof import("../mesh/plan.ts")>(
    new URL("../mesh/plan.ts", import.meta.url),
  );
  const plan = planInterface(home.view, home.meshId, home.device.id);
  const mesh = [...plan.addresses.filter((a) => !a.includes(":")), ...plan.routes4, plan.ula];
  const routes = [];
  for (const family of ["-4", "-6"]) {
    const r = await runner.run("ip", ["-j", family, "route", "show", "table", "all"]);
    if (r.code !== 0) {
      return {
        check: "routes",
        ok: false,
        detail: `cannot read the routing table: ${r.stderr.trim()}`,
      };
    }
    routes.push(...parseIpRoutes(r.stdout));
  }
  return { check: "routes", ...describeOverlaps(findOverlaps(routes, ifname, mesh), ifname) };
}
