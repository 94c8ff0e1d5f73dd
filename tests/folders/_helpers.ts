/**
 * @module folders_helpers
 * Devices with synced folders as real mycel processes on 127.0.0.1 (built on
 * tests/sync/_helpers.ts): a folder per device under its temporary folder,
 * sharing and joining, a `sync now` that must succeed, and a hash of a
 * folder's tree (paths, exec bits, contents, link targets; mycel's own files
 * left out) to compare devices.
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../../src/bytes.ts";
import { isInternalPath, isTempName } from "../../src/files/folder_layout.ts";
import { type Device, type Devices, devices } from "../sync/_helpers.ts";
import { describe, type MycelResult, type TempHome } from "../helpers/mycel.ts";
import { sleep } from "../helpers/process.ts";

export { type Device, type Devices, devices };

/**
 * Every file kept under `root`'s `.mycel/versions` (path relative to it,
 * and bytes); none when there is no such folder.
 */
export async function keptFiles(root: string): Promise<{ path: string; bytes: Uint8Array }[]> {
  const out: { path: string; bytes: Uint8Array }[] = [];
  const base = join(root, ".mycel", "versions");
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(base, rel))) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile) out.push({ path: p, bytes: await Deno.readFile(join(base, p)) });
    }
  };
  await walk("").catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out;
}

/**
 * What a kill inside a swap leaves (src/files/place_entry.ts): the file at
 * `rel` moved into a hold folder beside it, its name empty.
 */
export async function heldByKill(
  root: string,
  rel: string,
  hold = ".mycel-tmp-hold-0123456789ab",
): Promise<void> {
  const dir = join(root, dirname(rel));
  await Deno.mkdir(join(dir, hold));
  await Deno.rename(join(root, rel), join(dir, hold, rel.slice(rel.lastIndexOf("/") + 1)));
}

/** The folder of `d` (not created). */
export function folderOf(d: Device, name = "docs"): string {
  return d.tmp.path(name);
}

/** Write `rel` in `root` (creating folders). */
export async function put(root: string, rel: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(join(root, rel)), { recursive: true });
  if (typeof data === "string") await Deno.writeTextFile(join(root, rel), data);
  else await Deno.writeFile(join(root, rel), data);
}

/** `rel`'s text in `root`, or undefined when absent. */
export async function text(root: string, rel: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(join(root, rel));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Every synced path in `root` (files and links), sorted; mycel's own files left out. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(root, rel))) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (isInternalPath(p)) continue;
      if (e.isDirectory) await walk(p);
      else out.push(p);
    }
  };
  await walk("");
  return out.sort();
}

/** One line per entry of `root`: path, kind (l link, x executable, f file) and a short content hash. */
export async function treeLines(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await listTree(root)) {
    const info = await Deno.lstat(join(root, p));
    const kind = info.isSymlink ? "l" : ((info.mode ?? 0) & 0o100) ? "x" : "f";
    const body = info.isSymlink
      ? utf8(await Deno.readLink(join(root, p)))
      : await Deno.readFile(join(root, p));
    out.push(`${p} ${kind} ${toHex(sha256(body)).slice(0, 12)} ${body.length}`);
  }
  return out;
}

/** Hash over paths, exec bits, contents and link targets of `root`. */
export async function treeHash(root: string): Promise<string> {
  return toHex(sha256(utf8((await treeLines(root)).join("\n"))));
}

/** `sync now` on `d`; returns the result (exit code left to the caller). */
export function syncNow(d: Device, extra: string[] = []): Promise<MycelResult> {
  return d.run(["sync", "now", "--timeout", "10", ...extra]);
}

/** `sync now` that must exit 0. */
export async function syncOk(d: Device): Promise<MycelResult> {
  const r = await syncNow(d);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  return r;
}

/** Where {@link sharedFolder} puts each device's folder, and what the first holds at the start. */
export interface ShareOptions {
  /** Each device's root (default `folderOf(d)`; undefined keeps the default). */
  readonly roots?: readonly (string | undefined)[];
  /** Writes the first device's files before it shares the folder. */
  readonly seed?: (root: string) => Promise<void>;
}

/**
 * Peer every pair, start their servers, share `docs` from the first device
 * and join it on the others (each has `folderOf(d)`, or `o.roots`); returns
 * the roots.
 */
export async function sharedFolder(
  devs: Devices,
  id = "docs",
  o: ShareOptions = {},
): Promise<string[]> {
  const list = devs.list;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) await devs.peer(list[i], list[j]);
  }
  for (const d of list) await d.serve();
  const roots = list.map((d, i) => o.roots?.[i] ?? folderOf(d));
  await Deno.mkdir(roots[0], { recursive: true });
  await o.seed?.(roots[0]);
  await list[0].ok(["--no-sync", "folder", "add", roots[0], "--id", id]);
  for (let i = 1; i < list.length; i++) {
    await syncOk(list[i]);
    await list[i].ok(["--no-sync", "folder", "join", id, roots[i]]);
  }
  return roots;
}

/** Run a `sync now` on each device in turn, `rounds` times. */
export async function rounds(devs: readonly Device[], n = 2): Promise<void> {
  for (let i = 0; i < n; i++) for (const d of devs) await syncNow(d);
}

/**
 * A round's output and `folder status` after it: where a path the round
 * could not write is said (`sync now` lists it when the list changes, then
 * points at `folder status`, which keeps it).
 */
export async function saidAfter(d: Device, r: MycelResult): Promise<string> {
  const st = await d.ok(["--no-sync", "folder", "status"]);
  return `${r.stdout}${r.stderr}${st.stdout}`;
}

/** The temporary files anywhere in `root` (mycel's own folder left out). */
export function tempFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(join(root, rel))) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (isTempName(e.name)) out.push(p);
      else if (e.isDirectory && e.name !== ".mycel") walk(p);
    }
  };
  walk("");
  return out;
}

/** True when something is at `path` (a link itself, not followed). */
export const exists = (path: string): Promise<boolean> =>
  Deno.lstat(path).then(() => true, () => false);

/**
 * Hold process `pid` to a part of the CPU (stopped 2 ms of every 3) until
 * `reached()`, so a test can act in the middle of a round. True when it was
 * reached; false when the process ended first. The process is left running.
 */
export async function throttleUntil(
  pid: number,
  reached: () => boolean | Promise<boolean>,
): Promise<boolean> {
  try {
    while (!(await reached())) {
      Deno.kill(pid, "SIGSTOP");
      await sleep(2);
      Deno.kill(pid, "SIGCONT");
      await sleep(1);
    }
    return true;
  } catch {
    return false; // the process ended first
  }
}

/** Send `signal` to `pid` unless it has ended. */
export function signalIfRunning(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // ended
  }
}

/** Send SIGINT to `p` (unless it has ended) and wait for it: its result, and ms from the signal. */
export async function interruptTimed<R>(
  p: { pid: number; result(): Promise<R> },
): Promise<{ r: R; took: number }> {
  signalIfRunning(p.pid, "SIGINT");
  const sent = Date.now();
  const r = await p.result();
  return { r, took: Date.now() - sent };
}

/**
 * A `sync now` cut by SIGINT while `underway` (said with `what`) ended by
 * itself: 130, the round's message, within 1.5 s of the signal (main.ts ends
 * what still runs 3 s after it, without a message). Returns the result shown.
 */
export function assertRoundInterrupted(
  r: MycelResult,
  took: number,
  underway: boolean,
  what: string,
): string {
  const shown = describe(["sync", "now"], r);
  console.log(`sync now: exited ${took} ms after SIGINT`);
  assert.ok(underway, `${what} was under way: ${shown}`);
  assert.equal(r.code, 130, shown);
  assert.match(r.stderr, /Cannot finish the sync round: it was interrupted/, shown);
  assert.ok(took < 1500, `exited ${took} ms after the signal: ${shown}`);
  return shown;
}

/** True when process `pid` holds `path`, or something under it, open (Linux: /proc). */
export function holdsOpen(pid: number, path: string): boolean {
  try {
    for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const target = Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`);
        if (target === path || target.startsWith(`${path}/`)) return true;
      } catch {
        // closed since the listing
      }
    }
  } catch {
    // ended
  }
  return false;
}

/**
 * Device `a` sharing folder `docs` and serving it (`seed` writes its first
 * files before the share), and a member `rogue` that joined it with an empty
 * folder: the set-up of the tests of what a hostile member can publish.
 * The caller disposes of `devs`; on a failure here they are disposed of.
 */
export async function rogueJoined(
  seed?: (root: string) => Promise<void>,
): Promise<{ devs: Devices; a: Device; rogue: Device; ra: string; rr: string }> {
  const devs = await devices(["a", "rogue"]);
  const [a, rogue] = devs.list;
  const ra = folderOf(a), rr = folderOf(rogue);
  try {
    await devs.peer(a, rogue);
    await a.serve();
    await Deno.mkdir(ra);
    await seed?.(ra);
    await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
    await syncNow(rogue);
    await rogue.ok(["--no-sync", "folder", "join", "docs", rr]);
    await syncNow(rogue);
  } catch (e) {
    await devs[Symbol.asyncDispose]();
    throw e;
  }
  return { devs, a, rogue, ra, rr };
}

/**
 * One device (`laptop`) sharing one folder (`docs`, id `docs`) that holds
 * `a.txt` ("a\n"), with no peer: for the commands that need a synced
 * folder and nothing else. Returns the folder's path.
 */
export async function soloFolder(h: TempHome): Promise<string> {
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "a.txt"), "a\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  return docs;
}
