/**
 * @module pairing_helpers
 * Helpers for the pairing integration tests: real `mycel` processes on
 * 127.0.0.1 (through tests/helpers/mycel.ts), an inviter started with
 * `pair --listen 127.0.0.1:PORT` (on a free port) whose code is read from its
 * stdout, one whole pairing, devices with a sync server, and runners for the
 * Deno fixtures (the MITM proxy, the key-logging preload). Every background
 * process is ended by its own PID.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  childEnv,
  describe,
  type MycelProcess,
  type MycelResult,
  type StatusJson,
  type SyncLineJson,
  type TempHome,
  tempHome,
} from "../helpers/mycel.ts";
import { cpaceStart } from "../../src/crypto/cpace.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import { PAIRING_PROTOCOL_VERSION } from "../../src/protocol/pairing_messages.ts";
import { pairingChannelId } from "../../src/sync/pairing_common.ts";
import { freePort } from "../helpers/net.ts";
import { type Proc, spawnProcess } from "../helpers/process.ts";

export { describe };

/** Matches a code printed by `mycel pair`. */
export const CODE_RE = /Pairing code: (MYCEL-[0-9A-Z-]+)/;
/** Matches the verification line both sides print. */
export const VERIFICATION_RE = /verification: (\d{4}-\d{4})/;

/** The verification string in `text`, or undefined. */
export function verificationOf(text: string): string | undefined {
  return text.match(VERIFICATION_RE)?.[1];
}

/** A running `mycel pair` (inviter side). */
export interface Inviter {
  /** The process. */
  proc: MycelProcess;
  /** The code it printed. */
  code: string;
  /** The port its pairing listener is bound to. */
  port: number;
}

/** Options for {@link startInviter}. */
export interface InviterOptions {
  /** `--ttl` (default 1m). */
  ttl?: string;
  /** Use `mesh add-device --name NAME` instead of `pair`. */
  name?: string;
  /** More environment for the inviter (test knobs). */
  env?: Record<string, string>;
  /** How long {@link pair}'s joiner may take (default 60 s). */
  joinTimeoutMs?: number;
}

/**
 * Start `mycel pair --listen 127.0.0.1:PORT --ttl TTL` on a free port for
 * `home`, and wait until it shows its code (its listener is bound before the
 * code is printed). Retries on a new port if the port was taken meanwhile.
 */
export async function startInviter(home: TempHome, o: InviterOptions = {}): Promise<Inviter> {
  for (let tries = 0;; tries++) {
    const port = freePort();
    const listen = ["--listen", `127.0.0.1:${port}`, "--ttl", o.ttl ?? "1m"];
    const args = o.name === undefined
      ? ["pair", ...listen]
      : ["mesh", "add-device", "--name", o.name, ...listen];
    const proc = home.spawn(args, {
      timeoutMs: Math.max(120_000, (o.joinTimeoutMs ?? 0) + 30_000),
      env: o.env,
    });
    try {
      const m = await proc.waitFor(CODE_RE, { stream: "stdout", timeoutMs: 20_000 });
      await proc.waitFor(/Waiting for one device/, { stream: "stderr", timeoutMs: 10_000 });
      return { proc, code: m[1], port };
    } catch (e) {
      await proc.stop();
      if (tries < 3 && /already in use/.test(proc.stderr)) continue;
      throw e;
    }
  }
}

/** What one completed pairing printed. */
export interface Pairing {
  /** The code used. */
  code: string;
  /** The inviter's result (exit 0). */
  inviter: MycelResult;
  /** The joiner's result (exit 0). */
  joiner: MycelResult;
  /** Verification string the inviter printed. */
  inviterVerification: string;
  /** Verification string the joiner printed. */
  joinerVerification: string;
  /** The joiner's device id. */
  joinerId: string;
}

/**
 * Pair `joiner` (a new or lone home) with the mesh of `inviter`:
 * `mycel pair` there, `mycel pair CODE --name NAME` here. Both must exit 0.
 */
export async function pair(
  inviter: TempHome,
  joiner: TempHome,
  joinerName: string,
  o: InviterOptions = {},
): Promise<Pairing> {
  const inv = await startInviter(inviter, o);
  try {
    const joinArgs = ["pair", inv.code, "--name", joinerName];
    const j = await joiner.run(joinArgs, { timeoutMs: o.joinTimeoutMs ?? 60_000 });
    // A failed joiner leaves the inviter waiting until its code expires.
    const i = j.code === 0 ? await inv.proc.result() : await inv.proc.stop();
    assert.equal(j.code, 0, `joiner failed: ${describe(joinArgs, j)}\ninviter:\n${i.stderr}`);
    assert.equal(i.code, 0, `inviter failed: ${describe(["pair"], i)}\njoiner:\n${j.stderr}`);
    const joinerId = j.stdout.match(/This device is (\S+)/)?.[1] ??
      i.stdout.match(/paired with \S+ \((\S+)\)/)?.[1];
    assert.ok(joinerId, `no device id in the output:\n${j.stdout}\n${i.stdout}`);
    return {
      code: inv.code,
      inviter: i,
      joiner: j,
      inviterVerification: verificationOf(i.stderr) ?? "",
      joinerVerification: verificationOf(j.stderr) ?? "",
      joinerId,
    };
  } finally {
    await inv.proc.stop();
  }
}

/** One device under test: a temp home, a sync port, maybe a running server. */
export class Device implements AsyncDisposable {
  /** Its temporary home. */
  readonly t: TempHome;
  /** Its name. */
  readonly name: string;
  /** The port its `sync serve --listen` uses. */
  readonly port: number;
  /** The running sync server, if any. */
  server?: MycelProcess;
  /** Its device id, once known. */
  id = "";

  constructor(t: TempHome, name: string) {
    this.t = t;
    this.name = name;
    this.port = freePort();
  }

  /** Its sync endpoint. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `mycel init --name NAME --listen ENDPOINT` (a new mesh). */
  async init(): Promise<void> {
    await this.t.ok(["init", "--name", this.name, "--listen", this.endpoint]);
    this.id = (await this.status()).device.id;
  }

  /** Record the sync endpoint after pairing (without pushing). */
  async setEndpoint(): Promise<void> {
    await this.t.ok(["--no-sync", "mesh", "set-endpoint", this.endpoint]);
  }

  /** `status --json`. */
  status(): Promise<StatusJson> {
    return this.t.json<StatusJson>(["status", "--json"]);
  }

  /** `mesh list --json`. */
  meshList(): Promise<MeshRow[]> {
    return this.t.json<MeshRow[]>(["mesh", "list", "--json"]);
  }

  /** Start `sync serve --listen ENDPOINT` and wait until it listens. */
  async serve(): Promise<MycelProcess> {
    if (this.server && !this.server.exited) return this.server;
    const server = this.t.spawn(["sync", "serve", "--listen", this.endpoint], {
      timeoutMs: 170_000,
    });
    this.server = server;
    await server.waitFor(/listening on/, { stream: "stderr", timeoutMs: 20_000 });
    return server;
  }

  /** Stop the sync server (by PID). */
  async stopServer(): Promise<void> {
    await this.server?.stop("SIGTERM");
  }

  /** `sync now --json` (any exit code); the per-peer outcomes. */
  async syncNow(): Promise<{ code: number; outcomes: SyncLineJson[]; raw: MycelResult }> {
    const r = await this.t.run(["sync", "now", "--json", "--timeout", "15"]);
    let outcomes: SyncLineJson[] = [];
    try {
      outcomes = JSON.parse(r.stdout);
    } catch {
      // not JSON: left empty, the caller sees raw
    }
    return { code: r.code, outcomes, raw: r };
  }

  /** Stop the server and remove the home. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.server?.stop();
    await this.t.cleanup();
  }
}

/** A fresh {@link Device} (not initialised). */
export async function device(name: string): Promise<Device> {
  return new Device(await tempHome(`mycel-pair-${name}-`), name);
}

/** One row of `mesh list --json`. */
export interface MeshRow {
  id: string;
  name: string;
  self: boolean;
  ipv4: string;
  endpoints: string[];
  admitted: { by: string; by_name: string; at: string } | null;
  revoked: { by: string; by_name: string; at: string } | null;
  last_seen: string | null;
}

/** True when a mycel home was created at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Deno fixture processes (the proxy, mycel with a preload)

const SOURCE_MAIN_TS = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** `deno ARGS...` in the background with exactly the environment `env` (killed after 120 s). */
function deno(args: string[], env: Record<string, string>): Proc {
  return spawnProcess(Deno.execPath(), args, { env, clearEnv: true, timeoutMs: 120_000 });
}

/** Path of a fixture script. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
}

/**
 * Run `mycel ARGS...` with the key-logging preload (fixtures/key_spy.ts): the
 * Noise PSKs it uses (the CPace key) are appended, hex, to `keylog`, and the
 * public halves of its static Noise keys to `staticLog` when given. Always
 * the sources' main.ts, even when MYCEL_TEST_MAIN names a bundle: the spy
 * patches a source module, which a bundle holds a copy of.
 */
export function spawnSpied(
  home: TempHome,
  args: string[],
  keylog: string,
  staticLog?: string,
): Proc {
  const env: Record<string, string> = { PAIRING_SPY_KEYLOG: keylog };
  if (staticLog) env.PAIRING_SPY_STATICLOG = staticLog;
  return deno(
    ["run", "-A", "--preload", fixture("key_spy.ts"), SOURCE_MAIN_TS, ...args],
    childEnv({ home: home.home, env }),
  );
}

/** Start the proxy fixture with `args`; resolves once it listens, with its port. */
export async function startProxy(
  args: string[],
): Promise<{ proc: Proc; port: number }> {
  const proc = deno(["run", "-A", fixture("mitm_proxy.ts"), ...args], childEnv());
  const m = await proc.waitFor(/proxy listening on 127\.0\.0\.1:(\d+)/, { timeoutMs: 20_000 });
  return { proc, port: Number(m[1]) };
}

/** Does `haystack` contain `needle` as a contiguous byte run? */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

/** The frames in `bytes` (u16 length prefixes), and how many bytes follow the last whole one. */
export function framesOf(bytes: Uint8Array): { frames: Uint8Array[]; rest: number } {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at + 2 <= bytes.length && at + 2 + (bytes[at] << 8 | bytes[at + 1]) <= bytes.length) {
    const n = bytes[at] << 8 | bytes[at + 1];
    frames.push(bytes.subarray(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return { frames, rest: bytes.length - at };
}

/**
 * A framed pairing request (2-byte length, then the request) with a valid
 * CPace share for a code nobody here knows, of pairing `version` (this
 * release's by default): what a stranger or a joiner on another release sends.
 */
export function strangersRequest(version = PAIRING_PROTOCOL_VERSION): Uint8Array {
  const { sid, cpace } = guessedShare();
  return framed(encodeCbor(["pair", version, sid, cpace.message]));
}

/** A joiner's session id and CPace start for a code nobody here knows (a guess). */
export function guessedShare() {
  const sid = crypto.getRandomValues(new Uint8Array(16));
  const cpace = cpaceStart({
    password: crypto.getRandomValues(new Uint8Array(16)),
    role: "initiator",
    channelId: pairingChannelId(),
    sid,
  });
  return { sid, cpace };
}

/** `body` as one frame on the wire: a 2-byte big-endian length, then the bytes. */
export function framed(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.length);
  out[0] = body.length >> 8;
  out[1] = body.length & 0xff;
  out.set(body, 2);
  return out;
}
