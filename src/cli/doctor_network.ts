/**
 * @module doctor_network
 * `mycel doctor`'s network checks: WireGuard tools and interface, routes
 * another interface claims, and each peer's reachability (over the mesh when
 * its tunnel is up: a live WireGuard handshake means the device is there).
 */

import type { DeviceRecord } from "../log/device_record.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import type { Runner } from "../mesh/system.ts";
import type { Home } from "../storage/home_handle.ts";
import { safeText } from "../text_safety.ts";
import { lazyImport } from "../lazy_import.ts";
import { deviceLabels } from "./devices.ts";
import { type Finding, mode } from "./doctor.ts";
import { type MeshView, meshView } from "./mesh_view.ts";

/** WireGuard tools installed, and the interface up when mycel manages one. */
export async function checkWireguard(home: Home, runner: Runner): Promise<Finding[]> {
  const has = async (cmd: string, args: string[]) => {
    try {
      return (await runner.run(cmd, args)).code === 0;
    } catch {
      return false;
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
 * Can each peer be reached: over the mesh when its tunnel is up, else at one
 * of its endpoints? All are tried at once; `onFinding` hears each as soon as
 * it is known. Peer names and errors are peer text: they pass the
 * text-safety check here.
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
  const ifname = home.local.get("mesh")?.interface;
  const mesh = ifname === undefined ? { up: false } as MeshView : await meshView(ifname, runner);
  const peers = home.view.members()
    .filter((m) => m.removed === undefined && m.record.key !== home.device)
    .map((m) => m.record).filter(syncsWithMycel);
  const nowS = Math.floor(nowMs / 1000);
  // Two devices may share a name: each line then says which (its short id).
  const label = deviceLabels(home.view);
  return await Promise.all(peers.map(async (peer): Promise<Finding> => {
    const f = { ...await checkPeer({ ...peer, name: label(peer.id) }), device: peer.id };
    onFinding(f);
    return f;
  }));
  async function checkPeer(p: DeviceRecord): Promise<Finding> {
    const wg = mesh.dump?.peers.find((x) => x.publicKey === p.wgKey);
    const live = isLive(wg, nowS);
    const tunnel = live
      ? ` (WireGuard handshake ${nowS - wg!.latestHandshake!}s ago at ${
        safeText(wg!.endpoint ?? "")
      })`
      : "";
    const errors: string[] = [];
    const port = p.endpoints.length > 0 ? parseEndpoint(p.endpoints[0]).port : undefined;
    // The mesh route first when the tunnel is up (or its state cannot be read), as sync does.
    if (mesh.up && p.ipv4 !== "" && port !== undefined && (mesh.dump === undefined || live)) {
      try {
        (await connectTcp(p.ipv4, port, timeoutMs)).close();
        return {
          check: "peer",
          ok: true,
          detail: `${p.name} reachable over the mesh at ${p.ipv4}:${port}${tunnel}`,
        };
      } catch (err) {
        errors.push(`over the mesh: ${(err as Error).message.replace(/^Cannot [^:]*: /, "")}`);
      }
    }
    for (const e of p.endpoints) {
      const { host, port } = parseEndpoint(e);
      try {
        (await connectTcp(host, port, timeoutMs)).close();
        return { check: "peer", ok: true, detail: `${p.name} reachable at ${safeText(e)}` };
      } catch (err) {
        errors.push(safeText((err as Error).message.replace(/^Cannot [^:]*: /, "")));
      }
    }
    if (live) {
      // The tunnel works, so the device is there: only its sync service does not answer.
      return {
        check: "peer",
        ok: false,
        detail: `${p.name}'s tunnel is up${tunnel} but sync does not answer: ${errors.join("; ")}`,
        hint: `Is mycel serving sync on ${p.name} (\`mycel service status\` there)?`,
      };
    }
    return {
      check: "peer",
      ok: false,
      detail: `${p.name} unreachable: ${errors.join("; ") || "it has no endpoint"}`,
      hint: p.endpoints.length === 0
        ? `On ${p.name}: \`mycel mesh set-endpoint HOST:PORT\` and \`mycel service install\`.`
        : `Is ${p.name} on and serving (\`mycel service status\` there)? Is the port open?`,
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
