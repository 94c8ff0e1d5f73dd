/**
 * @module doctor
 * `mycel doctor`: look for everything that stops mycel from working and say
 * how to fix it — home and key permissions, free space and writability, the
 * database's integrity, clock skew (ours or a peer's), forks and entries set
 * aside, each synced folder's chunk key, WireGuard tools and interface, routes
 * another interface claims, the schedule, and each peer's reachability (over the mesh when its tunnel is
 * up: a live WireGuard handshake means the device is there). `--fix` repairs
 * what is safe to repair unattended (permissions).
 *
 * This file: the home (permissions, disk, database) and the schedule;
 * doctor_history.ts: clocks, forks, entries kept aside, membership;
 * doctor_folders.ts: the folders' chunk keys;
 * doctor_network.ts: WireGuard, routes, peers.
 */

import type { Runner } from "../mesh/system.ts";
import { homePaths } from "../storage/home.ts";
import type { Home } from "../storage/home_handle.ts";
import { plural } from "../human.ts";
import { lazyImport } from "../lazy_import.ts";

/** One finding. */
export interface Finding {
  /** Short name of the check. */
  check: string;
  /** True when all is well (a note is: it fails nothing). */
  ok: boolean;
  /**
   * Worth knowing, but nothing needs doing (ok stays true, so doctor does not
   * fail for it): shown as "note" with its hint. Absent on other findings.
   */
  note?: true;
  /** What was found. */
  detail: string;
  /** How to fix it (only when not ok), or what a note means. */
  hint?: string;
  /** The device a peer check is about (its id: two devices may share a name). */
  device?: string;
}

/** Permission bits of `path`, undefined when it is not there. */
export async function mode(path: string): Promise<number | undefined> {
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
  const fixed: string[] = [];
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
    const was = m.toString(8).padStart(4, "0");
    const is = want.toString(8).padStart(4, "0");
    if (fix) {
      await Deno.chmod(path, want);
      fixed.push(`${path} (was ${was})`);
    } else wrong.push(`${path} is ${was}, should be ${is}`);
  }
  // --fix names what it changed: "fixed if needed" left open whether anything was wrong.
  return wrong.length === 0
    ? {
      check: "permissions",
      ok: true,
      detail: fixed.length > 0
        ? `made private: ${fixed.join("; ")}`
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
export async function checkDisk(root: string, signal?: AbortSignal): Promise<Finding> {
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
  const free = await freeBytes(root, { signal }); // Ctrl-C: sync_interrupted, exit 130
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

/** Is anything running sync on a schedule (systemd timer or cron)? */
export async function checkSchedule(
  runner: Runner,
  env: (n: string) => string | undefined,
): Promise<Finding> {
  const { cronInstalled, unitDir, unitStatus } = await lazyImport<
    typeof import("../service/install.ts")
  >(new URL("../service/install.ts", import.meta.url));
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
  if (await cronInstalled(runner)) {
    return { check: "schedule", ok: true, detail: "cron lines installed" };
  }
  return {
    check: "schedule",
    ok: false,
    detail: "nothing runs `mycel sync now` on a schedule",
    hint: "Run `mycel service install` (or `mycel service install --cron`).",
  };
}
