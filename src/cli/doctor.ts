/**
 * @module doctor
 * `mycel doctor`: look for everything that stops mycel from working and say
 * how to fix it — home and key permissions, free space and writability, the
 * database's integrity, clock skew (ours or a peer's), forks and entries set
 * aside, WireGuard tools and interface, routes another interface claims, the
 * schedule, and each peer's reachability (over the mesh when its tunnel is
 * up: a live WireGuard handshake means the device is there). `--fix` repairs
 * what is safe to repair unattended (permissions).
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import type { Runner } from "../mesh/system.ts";
import type { WgDump } from "../mesh/wg_dump.ts";
import { homePaths } from "../storage/home.ts";
import type { Home } from "../storage/home_handle.ts";
import { skewBeyondDrift } from "../crdt/hlc.ts";
import { safeText } from "../text_safety.ts";
import { duration, plural } from "../human.ts";
import { REJOIN_HINT, removalHere, removalMessage } from "./removal.ts";
import { heldPastCutIn } from "../sync/acks.ts";
import { lazyImport } from "../lazy_import.ts";

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
  // mycel-keys.cred: the keys' systemd credential, if `service install` made one.
  const files = [p.keys, p.db, `${p.db}-wal`, `${p.db}-shm`, `${root}/mycel-keys.cred`];
  for (
    const [path, want] of [
      [p.root, 0o700] as const,
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

/** Free space and writability of the home: a full or read-only disk is named before a write fails. */
export async function checkDisk(root: string): Promise<Finding> {
  const probe = `${root}/.mycel-doctor-${Deno.pid}`;
  try {
    await Deno.writeFile(probe, new Uint8Array(4096), { mode: 0o600 });
    await Deno.remove(probe);
  } catch (e) {
    await Deno.remove(probe).catch(() => {});
    const readOnly = e instanceof Deno.errors.PermissionDenied || /read-only/i.test(String(e));
    const full = /no space/i.test(String(e));
    return {
      check: "disk",
      ok: false,
      detail: full
        ? `the disk holding ${root} is full`
        : readOnly
        ? `${root} is read-only`
        : String(e),
      hint: full
        ? "Free some space there; mycel refuses changes rather than lose them."
        : "Reads work; to change anything, make it writable (remount) or use --home.",
    };
  }
  const { freeBytes } = await lazyImport<typeof import("../storage/disk.ts")>(
    new URL("../storage/disk.ts", import.meta.url),
  );
  const free = await freeBytes(root);
  if (free !== undefined && free < 64 << 20) {
    return {
      check: "disk",
      ok: false,
      detail: `only ${Math.round(free / (1 << 20))} MiB free where ${root} is`,
      hint: "Free some space soon: a write that does not fit is refused.",
    };
  }
  return {
    check: "disk",
    ok: true,
    detail: free === undefined
      ? "writable"
      : `writable, ${Math.round(free / (1 << 30) * 10) / 10} GiB free`,
  };
}

/**
 * The database is intact (SQLite's own check) and so is every stored entry
 * (decodes, matches its hash, follows the one before, chains verify): a byte
 * flipped inside an entry leaves SQLite's structures valid.
 */
export async function checkLog(home: Home): Promise<Finding> {
  let problems: string[];
  try {
    problems = home.integrity();
  } catch (e) {
    // SQLite could not even run its check: say why, without repeating the path.
    problems = [
      (e as Error).message.replace(/^Cannot [^:]*: /, "").replace(` (${home.paths.db})`, ""),
    ];
  }
  if (problems.length === 0) problems.push(...await home.entryProblems());
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
    return {
      check: "log",
      ok: false,
      detail: `${home.paths.db}: ${problems.slice(0, 3).join("; ")}${more}`,
      hint: "Run `mycel repair`.",
    };
  }
  return {
    check: "log",
    ok: true,
    detail: `${plural(home.log.count(), "entry", "entries")}, database intact`,
  };
}

/** Clock skew (ours or a peer's), forks, and entries kept aside. */
export function checkHistory(home: Home): Finding[] {
  const out: Finding[] = [];
  const name = (k: DeviceKey) => safeText(home.view.member(k)?.record.name || k.short);
  const skews: { key: DeviceKey; ms: number }[] = [];
  let peers = 0;
  for (const [key, book] of home.local.peers()) {
    if (!book.skewAt || home.view.member(key)?.removed !== undefined) continue;
    peers++;
    const ms = skewBeyondDrift(book.skewMs);
    if (ms !== undefined) skews.push({ key, ms });
  }
  // As `status` says it (24h, not 86400s).
  const secs = (ms: number) => duration(Math.abs(ms));
  if (
    peers > 0 && skews.length * 2 > peers &&
    skews.every((k) => Math.sign(k.ms) === Math.sign(skews[0].ms))
  ) {
    const way = skews[0].ms > 0 ? "behind" : "ahead of";
    out.push({
      check: "clock",
      ok: false,
      detail: `this device's clock is about ${secs(skews[0].ms)} ${way} ${skews.length} of ${
        plural(peers, "peer")
      }`,
      hint: "Fix this device's clock (e.g. `timedatectl set-ntp true`).",
    });
  } else {
    for (const k of skews) {
      out.push({
        check: "clock",
        ok: false,
        detail: `${name(k.key)}'s clock is ${secs(k.ms)} ${
          k.ms > 0 ? "ahead of" : "behind"
        } this one`,
        hint: `Fix the clock on ${
          name(k.key)
        } (e.g. enable NTP with \`timedatectl set-ntp true\`).`,
      });
    }
  }
  const ahead = home.stampsAhead();
  if (ahead !== undefined) {
    out.push({
      check: "clock",
      ok: false,
      detail: `this device's stamps run ${duration(ahead)} ahead of its clock (it ran with its ` +
        "clock set ahead): its changes win ties with concurrent changes until time catches up",
      hint: "If the clock is right now, nothing is lost and nothing needs doing: stamps never go " +
        "back, and time catches up with them by itself.",
    });
  }
  if (out.length === 0) {
    out.push({ check: "clock", ok: true, detail: "clocks agree with the peers'" });
  }
  for (const f of home.log.forks()) {
    out.push({
      check: "fork",
      ok: false,
      detail: `${name(f.author)}'s log forked at entry ${f.seq} (both signed entries are kept)`,
      hint: `${
        name(f.author)
      } was probably restored from a backup; re-pair it to give it a fresh key.`,
    });
  }
  for (const a of home.log.asideSummary()) {
    if (a.reason === "fork") continue;
    out.push({
      check: "aside",
      ok: a.reason !== "waiting",
      detail: `${plural(a.count, "entry", "entries")} of ${
        name(a.author)
      } (#${a.from}–#${a.to}) kept aside: ${
        a.reason === "past_cut"
          ? "written after it was removed from the mesh"
          : "waiting for earlier entries (or the admission) of their author"
      }`,
      ...(a.reason === "waiting"
        ? {
          hint:
            "Run `mycel sync now`: a peer that holds what they wait for completes them (nothing is folded before).",
        }
        : {}),
    });
  }
  return out;
}

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
  const mesh = await meshView(home, runner);
  const peers = home.view.members()
    .filter((m) => m.removed === undefined && m.record.key !== home.device)
    .map((m) => m.record).filter(syncsWithMycel);
  const nowS = Math.floor(nowMs / 1000);
  return await Promise.all(peers.map(async (peer): Promise<Finding> => {
    const f = await checkPeer({ ...peer, name: safeText(peer.name) });
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

/**
 * Fails for each removed device whose changes past its cut this device's
 * state holds: it started from (or took) a checkpoint made before the
 * removal was known (docs/trust.md, "Limits"). Peers refuse them; only this
 * device shows them, until it re-bases on a clean member's checkpoint; a
 * device pairing through it would take them.
 */
export function checkRemovedBase(home: Home): Finding[] {
  return heldPastCutIn(home).map((h) => ({
    check: "aside",
    ok: false,
    detail:
      `this device's state holds changes of ${
        safeText(h.name)
      } made after it was removed (up to #${h.held}; entries after #${h.cut} are not accepted): ` +
      "they came in a checkpoint taken before the removal was known here",
    hint: "The other devices refuse them, and `mycel mesh add-device` refuses to pair through " +
      "this device. It starts again from a clean device's state by itself at a sync with a " +
      "device that holds everything this one does (`mycel sync now`); if none ever does: remove " +
      "it on another device (`mycel mesh remove`), then pair it again (it gets a new key).",
  }));
}

/** Fails when this device was removed from its mesh (as it or its peers know). */
export function checkMembership(home: Home): Finding | undefined {
  const removal = removalHere(home.view, home.device, home.local.peers());
  if (removal === undefined) return undefined;
  return {
    check: "membership",
    ok: false,
    detail: safeText(removalMessage(removal)),
    hint: REJOIN_HINT,
  };
}

async function meshView(home: Home, runner?: Runner): Promise<{ up: boolean; dump?: WgDump }> {
  const mesh = home.local.get("mesh");
  if (mesh === undefined) return { up: false };
  try {
    const { linkExists, readWgDump } = await lazyImport<typeof import("../mesh/interface.ts")>(
      new URL("../mesh/interface.ts", import.meta.url),
    );
    const r = runner ??
      (await lazyImport<typeof import("../mesh/system.ts")>(
        new URL("../mesh/system.ts", import.meta.url),
      )).systemRunner;
    if (!(await linkExists(r, mesh.interface))) return { up: false };
    return { up: true, dump: await readWgDump(r, mesh.interface) };
  } catch {
    return { up: false };
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

/** Is anything running sync on a schedule (systemd timer or cron)? */
export async function checkSchedule(
  runner: Runner,
  env: (n: string) => string | undefined,
): Promise<Finding> {
  const { unitDir, unitStatus } = await lazyImport<typeof import("../service/install.ts")>(
    new URL("../service/install.ts", import.meta.url),
  );
  const { CRON_MARKER } = await lazyImport<typeof import("../service/units.ts")>(
    new URL("../service/units.ts", import.meta.url),
  );
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
