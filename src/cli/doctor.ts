/**
 * @module doctor
 * `mycel doctor`: look for everything that stops mycel from working and say
 * how to fix it — home and key permissions, the writers' lock, log damage,
 * clock skew, forks, WireGuard tools and interface, routes another interface
 * claims, the schedule, and each peer's reachability (over the mesh when its
 * tunnel is up: a live WireGuard handshake means the device is there). `--fix` repairs what is safe to repair unattended
 * (permissions, a stale lock PID).
 */

import { shortDeviceId } from "../log/device_id.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import type { Runner } from "../mesh/system.ts";
import type { WgDump } from "../mesh/wg_dump.ts";
import { homePaths } from "../storage/home.ts";
import { segmentFiles } from "../storage/log_dir.ts";
import type { Store } from "../storage/store.ts";

/** One finding. */
export interface Finding {
  /** Short name of the check. */
  check: string;
  /** True when all is well. */
  ok: boolean;
  /** What was found. */
  detail: string;
  /** How to fix it (only when not ok). */
  hint?: string;
}

async function mode(path: string): Promise<number | undefined> {
  try {
    return ((await Deno.stat(path)).mode ?? 0) & 0o777;
  } catch {
    return undefined;
  }
}

/** Folders must be 0700 and files 0600 (the home holds private keys). */
export async function checkPermissions(root: string, fix: boolean): Promise<Finding> {
  const p = homePaths(root);
  const wrong: string[] = [];
  const files = [p.keys, p.snapshot, p.info, p.lock];
  for (const [author] of await segmentFiles(p)) {
    files.push(`${p.logDir}/${author.replaceAll("-", "")}.log`);
  }
  for (
    const [path, want] of [
      ...[p.root, p.logDir, p.forkDir].map((d) => [d, 0o700] as const),
      ...files.map((f) => [f, 0o600] as const),
    ]
  ) {
    const m = await mode(path);
    if (m === undefined || m === want) continue;
    if (fix) await Deno.chmod(path, want);
    else {wrong.push(
        `${path} is ${m.toString(8).padStart(4, "0")}, should be ${
          want.toString(8).padStart(4, "0")
        }`,
      );}
  }
  return wrong.length === 0
    ? {
      check: "permissions",
      ok: true,
      detail: fix
        ? "home folder and files private (fixed if needed)"
        : "home folder and files are private",
    }
    : {
      check: "permissions",
      ok: false,
      detail: wrong.join("; "),
      hint: `Run \`mycel doctor --fix\` (or chmod 700 folders, 600 files in ${root}).`,
    };
}

/** The lock: held right now (by whom), or a PID left by a holder that died. */
export async function checkLock(root: string, fix: boolean): Promise<Finding> {
  const { lockHolder, lockIsHeld } = await import("../storage/lock.ts");
  const path = homePaths(root).lock;
  const pid = await lockHolder(path);
  const alive = pid !== undefined && (await mode(`/proc/${pid}`)) !== undefined;
  if (await lockIsHeld(path)) {
    return {
      check: "lock",
      ok: false,
      detail: `held by ${
        pid === undefined ? "another process" : `pid ${pid}${alive ? "" : " (not running)"}`
      }`,
      hint: "Another mycel is writing; if it is stuck, stop it (kill that PID).",
    };
  }
  if (pid !== undefined && !alive) {
    if (fix) {
      await Deno.writeTextFile(path, "");
      return { check: "lock", ok: true, detail: `cleared the stale PID ${pid}` };
    }
    return {
      check: "lock",
      ok: false,
      detail:
        `stale: pid ${pid} died while writing (the kernel released the lock; nothing is blocked)`,
      hint: "Run `mycel doctor --fix` to clear it; `mycel repair` if data looks wrong.",
    };
  }
  return { check: "lock", ok: true, detail: "free" };
}

/** Every log segment reads back intact. */
export async function checkLog(store: Store): Promise<Finding> {
  try {
    let n = 0;
    for (const author of store.heads.keys()) n += (await store.entriesAfter(author, 0)).length;
    return { check: "log", ok: true, detail: `${n} entries intact` };
  } catch (e) {
    return { check: "log", ok: false, detail: (e as Error).message, hint: "Run `mycel repair`." };
  }
}

/** Forks and clock skew recorded by sync. */
export function checkHistory(store: Store): Finding[] {
  const out: Finding[] = [];
  const name = (id: string) => store.state.device(id)?.name || shortDeviceId(id);
  for (const [id, k] of Object.entries(store.local.skew)) {
    out.push({
      check: "clock",
      ok: false,
      detail: `${name(id)}'s clock ran ${Math.round(k.aheadMs / 1000)}s ahead of this one`,
      hint: `Fix the clock on ${name(id)} (e.g. enable NTP with \`timedatectl set-ntp true\`).`,
    });
  }
  if (out.length === 0) {
    out.push({ check: "clock", ok: true, detail: "no peer's clock runs ahead" });
  }
  for (const f of store.local.forks) {
    out.push({
      check: "fork",
      ok: false,
      detail: `${
        name(f.author)
      }'s log forked at entry ${f.seq} (the other branch is kept in forks/)`,
      hint: `${
        name(f.author)
      } was probably restored from a backup; re-pair it to give it a fresh key.`,
    });
  }
  return out;
}

/** WireGuard tools installed, and the interface up when mycel manages one. */
export async function checkWireguard(store: Store, runner: Runner): Promise<Finding[]> {
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
  const mesh = store.local.mesh;
  if (mesh && ip) {
    const { linkExists } = await import("../mesh/interface.ts");
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
      out.push(await checkRouteOverlap(store, runner, mesh.interface));
    }
  }
  return out;
}

/** Can each peer be reached: over the mesh when its tunnel is up, else at its endpoints? */
export async function checkPeers(
  store: Store,
  timeoutMs: number,
  runner?: Runner,
  nowMs: number = Date.now(),
): Promise<Finding[]> {
  const { connectTcp } = await import("../transport/tcp.ts");
  const { syncsWithMycel } = await import("../mesh/plan.ts");
  const { isLive } = await import("../mesh/roaming.ts");
  const mesh = await meshView(store, runner);
  const peers = store.state.members.members().filter((id) => id !== store.deviceId)
    .map((id) => store.state.device(id)!).filter(syncsWithMycel);
  const nowS = Math.floor(nowMs / 1000);
  return await Promise.all(peers.map(async (p): Promise<Finding> => {
    const wg = mesh.dump?.peers.find((x) => x.publicKey === p.wgKey);
    const live = isLive(wg, nowS);
    const tunnel = live
      ? ` (WireGuard handshake ${nowS - wg!.latestHandshake!}s ago at ${wg!.endpoint})`
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
        return { check: "peer", ok: true, detail: `${p.name} reachable at ${e}` };
      } catch (err) {
        errors.push((err as Error).message.replace(/^Cannot [^:]*: /, ""));
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
  }));
}

async function meshView(store: Store, runner?: Runner): Promise<{ up: boolean; dump?: WgDump }> {
  const mesh = store.local.mesh;
  if (mesh === undefined) return { up: false };
  try {
    const { linkExists, readWgDump } = await import("../mesh/interface.ts");
    const r = runner ?? (await import("../mesh/system.ts")).systemRunner;
    if (!(await linkExists(r, mesh.interface))) return { up: false };
    return { up: true, dump: await readWgDump(r, mesh.interface) };
  } catch {
    return { up: false };
  }
}

/** Does another interface route addresses the mesh uses (Tailscale, a carrier's CGNAT)? */
export async function checkRouteOverlap(
  store: Store,
  runner: Runner,
  ifname: string,
): Promise<Finding> {
  const { describeOverlaps, findOverlaps, parseIpRoutes } = await import(
    "../mesh/route_overlap.ts"
  );
  const { planInterface } = await import("../mesh/plan.ts");
  const plan = planInterface(store.state, store.local.meshId, store.deviceId);
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

/** Is anything running sync on a schedule (systemd timer or cron)? */
export async function checkSchedule(
  runner: Runner,
  env: (n: string) => string | undefined,
): Promise<Finding> {
  const { unitDir, unitStatus } = await import("../service/install.ts");
  const { CRON_MARKER } = await import("../service/units.ts");
  for (const scope of ["user", "system"] as const) {
    const s = await unitStatus(scope, unitDir(scope, env), runner);
    if (!s.installed) continue;
    if (s.timer === "active") {
      return { check: "schedule", ok: true, detail: `${scope} timer active, socket ${s.socket}` };
    }
    return {
      check: "schedule",
      ok: false,
      detail: `${scope} units installed but the timer is ${s.timer}`,
      hint: `Run \`systemctl${
        scope === "user" ? " --user" : ""
      } enable --now mycel-sync.timer mycel-sync.socket\`.`,
    };
  }
  try {
    const cron = await runner.run("crontab", ["-l"]);
    if (cron.code === 0 && cron.stdout.includes(CRON_MARKER)) {
      return { check: "schedule", ok: true, detail: "cron lines installed" };
    }
  } catch {
    // no crontab command
  }
  return {
    check: "schedule",
    ok: false,
    detail: "nothing runs `mycel sync now` on a schedule",
    hint: "Run `mycel service install` (or `mycel service install --cron`).",
  };
}
