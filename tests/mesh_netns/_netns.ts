/**
 * @module netns_helpers
 * A throw-away network for the WireGuard mesh tests: N network namespaces
 * (`myc-<id>-a`, `myc-<id>-b`, …), each joined by a veth pair to a bridge
 * that lives in its own namespace (`myc-<id>-br`), so nothing touches the
 * host's network. Underlay addresses are 198.18.0.<n>/24 (RFC 2544 benchmark
 * range), every namespace has `lo` up, its own mycel home in a temporary
 * folder, and a WireGuard interface name unique to this run (wireguard-go's
 * control socket `/var/run/wireguard/<if>.sock` is shared by all
 * namespaces, so names must not collide across parallel tests).
 *
 * mycel runs for real, as `ip netns exec NS deno run -A main.ts ...`
 * (`ip netns exec` execs in place, so the PID we hold is mycel's).
 *
 * Cleanup ({@link Lab.cleanup}, always run by {@link labTest}):
 * 1. every process this lab started is killed by its PID;
 * 2. every wireguard-go PID recorded in a home's state (`local.mesh.pid`) is
 *    killed if its command line names this lab's interface;
 * 3. `/proc/<pid>/ns/net` of every process is compared with this lab's
 *    namespaces, and whatever is still inside is killed by PID (SIGTERM,
 *    then SIGKILL) — never by name;
 * 4. the namespaces are deleted (which deletes the veths and the bridge), the
 *    lab's wireguard-go sockets and the temporary homes removed.
 *
 * Without root, `ip netns`, `wg`, `wireguard-go` or `/dev/net/tun` the tests
 * are skipped with a printed reason — unless `CI` is set, where they run and
 * fail.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { Home } from "../../src/storage/home_handle.ts";
import {
  childEnv,
  describe,
  MAIN_TS,
  type StatusJson,
  type SyncLineJson,
} from "../helpers/mycel.ts";
import { type Proc, type ProcResult, runProcess, sleep, spawnProcess } from "../helpers/process.ts";

/** Log every command with its exit code and duration (NETNS_DEBUG=1). */
const DEBUG = Deno.env.get("NETNS_DEBUG") !== undefined;

/** True when running in CI (then a missing environment is a failure, not a skip). */
export const IN_CI: boolean = Deno.env.get("CI") !== undefined;

/** Port `sync serve` listens on inside every namespace (namespaces are isolated). */
export const SYNC_PORT = 7000;
/** Port the inviter waits on during pairing. */
export const PAIR_PORT = 7853;
/** WireGuard UDP port (mycel's default). */
export const WG_PORT = 51871;

async function probe(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await runProcess(cmd, args, { timeoutMs: 0 });
    if (out.code !== 0) {
      return `\`${cmd} ${args.join(" ")}\` exited ${out.code}: ${out.stderr.trim().split("\n")[0]}`;
    }
    return undefined;
  } catch (e) {
    return e instanceof Deno.errors.NotFound
      ? `\`${cmd}\` is not installed`
      : `\`${cmd}\` failed: ${(e as Error).message}`;
  }
}

/** Why the NAT tests cannot run here (no `nft`), or undefined when they can. */
export async function missingNft(): Promise<string | undefined> {
  return await probe("nft", ["--version"]);
}

/** Why the namespace tests cannot run here, or undefined when they can. */
export async function missingEnvironment(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "network namespaces need Linux";
  if (Deno.uid() !== 0) return "needs root (network namespaces, WireGuard interfaces)";
  for (
    const [cmd, args] of [
      ["ip", ["netns", "list"]],
      ["wg", ["--version"]],
      ["wireguard-go", ["--version"]],
      ["ping", ["-V"]],
    ] as const
  ) {
    const why = await probe(cmd, [...args]);
    if (why) return why;
  }
  try {
    await Deno.stat("/dev/net/tun");
  } catch {
    return "/dev/net/tun is missing (wireguard-go needs it)";
  }
  return undefined;
}

/** The reason the environment is missing (computed once per test file). */
export const MISSING: string | undefined = await missingEnvironment();

/** Options of {@link labTest}. */
export interface LabTestOptions {
  /** Names of the devices / namespaces, e.g. ["a", "b", "c"]. */
  nodes: string[];
}

/**
 * `Deno.test` with a fresh {@link Lab}, always cleaned up. Skipped (with the
 * reason printed) when the environment is missing and `CI` is unset; in CI
 * it runs and fails instead.
 */
export function labTest(
  name: string,
  options: LabTestOptions,
  fn: (lab: Lab, t: Deno.TestContext) => Promise<void>,
): void {
  const skip = MISSING !== undefined && !IN_CI;
  if (skip) console.log(`mesh_netns: skipping "${name}": ${MISSING}`);
  Deno.test({
    name,
    ignore: skip,
    async fn(t) {
      if (MISSING !== undefined) {
        throw new Error(`CI is set but the namespace test environment is missing: ${MISSING}`);
      }
      const lab = await Lab.create(options.nodes);
      let error: unknown;
      try {
        await fn(lab, t);
      } catch (e) {
        error = e;
      }
      const problems = await lab.cleanup();
      const text = `lab ${lab.id} cleanup:\n  ${problems.join("\n  ")}`;
      if (error !== undefined) {
        if (problems.length > 0) console.error(text);
        throw error;
      }
      if (problems.length > 0) throw new Error(text);
    },
  });
}

/** Options of a process started in a namespace. */
export interface ProcOptions {
  /** Environment (complete; default: what mycel children get, see `childEnv`). */
  env?: Record<string, string>;
  /** Written to standard input, which is then closed. */
  stdin?: string;
  /** Killed (SIGKILL, by PID) after this many ms; default 60 s. */
  timeoutMs?: number;
}

/**
 * Start `ip netns exec NS CMD ARGS...` (`ip netns exec` execs in place, so
 * the PID is the command's). Output is collected as it comes; it is only
 * ever ended by its own PID.
 */
function startInNetns(ns: string, cmd: string, args: string[], options: ProcOptions = {}): Proc {
  return spawnProcess("ip", ["netns", "exec", ns, cmd, ...args], {
    env: options.env ?? childEnv(),
    clearEnv: true,
    stdin: options.stdin,
    timeoutMs: options.timeoutMs,
    name: [cmd, ...args].join(" "),
  });
}

/** One peer line of `wg show IF dump`. */
export interface WgPeerDump {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  latestHandshake: number;
  rx: number;
  tx: number;
}

/** `wg show IF dump`, parsed. */
export interface WgDumpView {
  publicKey: string;
  listenPort: number;
  peers: WgPeerDump[];
}

/** Parse `wg show IF dump` output. */
export function parseDump(text: string): WgDumpView {
  const lines = text.trim().split("\n").map((l) => l.split("\t"));
  const [, pub, port] = lines[0];
  return {
    publicKey: pub,
    listenPort: Number(port),
    peers: lines.slice(1).map((f) => ({
      publicKey: f[0],
      endpoint: f[2] === "(none)" ? null : f[2],
      allowedIps: f[3] === "(none)" ? [] : f[3].split(","),
      latestHandshake: Number(f[4]),
      rx: Number(f[5]),
      tx: Number(f[6]),
    })),
  };
}

/** Process state letter from /proc/PID/stat ("" when there is no such process). */
export async function procState(pid: number): Promise<string> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return "";
  }
}

/**
 * True when `pid` is a live process (not gone, not a zombie). Orphans are
 * reparented to PID 1, and in some containers PID 1 never reaps them, so a
 * killed orphan may linger as a zombie: it holds no sockets, interfaces or
 * memory, and counts as gone.
 */
export async function alive(pid: number): Promise<boolean> {
  const s = await procState(pid);
  return s !== "" && s !== "Z" && s !== "X";
}

/** Command line of `pid` (argv), or [] when unreadable. */
export async function cmdline(pid: number): Promise<string[]> {
  try {
    return (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0").filter((a) => a !== "");
  } catch {
    return [];
  }
}

/** PIDs of the live processes whose network namespace is `ns` (by /proc/PID/ns/net). */
export async function pidsInNetns(ns: string): Promise<number[]> {
  let link: string;
  try {
    link = `net:[${(await Deno.stat(`/run/netns/${ns}`)).ino}]`;
  } catch {
    return [];
  }
  const pids: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const pid = Number(e.name);
    try {
      if ((await Deno.readLink(`/proc/${pid}/ns/net`)) === link && (await alive(pid))) {
        pids.push(pid);
      }
    } catch {
      // gone, or a kernel thread
    }
  }
  return pids;
}

/** Run a command (not in a namespace) and return its stdout; throws on a non-zero exit. */
export async function sh(cmd: string, args: string[], stdin?: string): Promise<string> {
  const r = await runProcess(cmd, args, { stdin, timeoutMs: 0 });
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/**
 * Poll `check` until it returns true or `ms` passed; returns whether it did. A responder (`sync serve`) stores what it received after the
 * session has ended, so the initiator's `sync now` can exit before the
 * responder's state shows the entries: reads of the responder's state wait
 * with this.
 */
export async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (true) {
    if (await check()) return true;
    if (Date.now() >= until) return false;
    await sleep(100);
  }
}

/** Wait (briefly) until every node reports the same state digest; returns the digests. */
export async function sameDigests(nodes: readonly Node[], ms = 5000): Promise<string[]> {
  let digests: string[] = [];
  await eventually(async () => {
    digests = await Promise.all(nodes.map((n) => n.digest()));
    return new Set(digests).size === 1;
  }, ms);
  return digests;
}

/** A set of namespaces on one bridge, with a mycel home each. */
export class Lab {
  /** Random id of this run (6 hex digits). */
  readonly id: string;
  /** Namespace holding the bridge. */
  readonly bridgeNs: string;
  /** The devices, in order (underlay 198.18.0.1, .2, …). */
  readonly nodes: Node[] = [];
  /** Every namespace created so far (bridge first). */
  readonly namespaces: string[] = [];
  /** Every process started through this lab. */
  readonly procs = new Set<Proc>();
  /** Temporary folders to remove. */
  readonly dirs: string[] = [];

  private constructor(id: string) {
    this.id = id;
    this.bridgeNs = `myc-${id}-br`;
  }

  /** Create the namespaces, bridge, veths and homes. On failure, cleans up and throws. */
  static async create(names: string[]): Promise<Lab> {
    const id = Array.from(
      crypto.getRandomValues(new Uint8Array(3)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const lab = new Lab(id);
    try {
      await sh("ip", ["netns", "add", lab.bridgeNs]);
      lab.namespaces.push(lab.bridgeNs);
      await sh("ip", ["-n", lab.bridgeNs, "link", "set", "lo", "up"]);
      await sh("ip", ["-n", lab.bridgeNs, "link", "add", "br0", "type", "bridge"]);
      await sh("ip", ["-n", lab.bridgeNs, "link", "set", "br0", "up"]);
      for (const [i, name] of names.entries()) {
        const node = new Node(lab, name, i + 1, await Deno.makeTempDir({ prefix: `myc-${name}-` }));
        lab.dirs.push(node.dir);
        await sh("ip", ["netns", "add", node.ns]);
        lab.namespaces.push(node.ns);
        await sh("ip", ["-n", node.ns, "link", "set", "lo", "up"]);
        await sh("ip", [
          "-n",
          lab.bridgeNs,
          "link",
          "add",
          `v${name}`,
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "netns",
          node.ns,
        ]);
        await sh("ip", ["-n", lab.bridgeNs, "link", "set", `v${name}`, "master", "br0", "up"]);
        await sh("ip", ["-n", node.ns, "address", "add", `${node.ip}/24`, "dev", "eth0"]);
        await sh("ip", ["-n", node.ns, "link", "set", "eth0", "up"]);
        lab.nodes.push(node);
      }
    } catch (e) {
      const problems = await lab.cleanup();
      if (problems.length > 0) console.error(`lab ${id} cleanup:\n  ${problems.join("\n  ")}`);
      throw e;
    }
    return lab;
  }

  /**
   * Add device `name` behind its own NAT router: a namespace `myc-<id>-n<k>`
   * on the bridge at 198.18.0.(100+k) (its "public" address) masquerades
   * the device's LAN 198.19.k.0/24 (device at 198.19.k.2) with nftables,
   * and, like a home router, drops unsolicited packets from the outside
   * (so they create no connection-tracking state). `symmetric`: every new
   * flow gets a random public port (`masquerade random`), so the mapping a
   * third device sees is useless to anyone else.
   */
  async addNatted(name: string, k: number, symmetric = false): Promise<Node> {
    const router = await this.natRouter(k, symmetric);
    const node = new Node(
      this,
      name,
      0,
      await Deno.makeTempDir({ prefix: `myc-${name}-` }),
      `198.19.${k}.2`,
    );
    this.dirs.push(node.dir);
    await sh("ip", ["netns", "add", node.ns]);
    this.namespaces.push(node.ns);
    await sh("ip", ["-n", node.ns, "link", "set", "lo", "up"]);
    await this.plugInto(router, node, k);
    this.nodes.push(node);
    return node;
  }

  /**
   * Move `node` (a laptop taken to another place) behind a new NAT router
   * `k` (made as {@link Lab.addNatted} makes one): its underlay link is
   * replaced by one on the new router's LAN, at 198.19.k.2. Its old
   * address goes with the old link; `node.ip` keeps naming the first one.
   */
  async moveBehindNat(node: Node, k: number, symmetric = false): Promise<void> {
    const router = await this.natRouter(k, symmetric);
    await sh("ip", ["-n", node.ns, "link", "del", "eth0"]);
    await this.plugInto(router, node, k);
  }

  /** Link `node`'s `eth0` to `router`'s LAN 198.19.k.0/24 (node at .2), default route via it. */
  private async plugInto(router: string, node: Node, k: number): Promise<void> {
    await sh("ip", [
      "-n",
      router,
      "link",
      "add",
      "lan",
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      node.ns,
    ]);
    await sh("ip", ["-n", router, "address", "add", `198.19.${k}.1/24`, "dev", "lan"]);
    await sh("ip", ["-n", router, "link", "set", "lan", "up"]);
    await sh("ip", ["-n", node.ns, "address", "add", `198.19.${k}.2/24`, "dev", "eth0"]);
    await sh("ip", ["-n", node.ns, "link", "set", "eth0", "up"]);
    await sh("ip", ["-n", node.ns, "route", "add", "default", "via", `198.19.${k}.1`]);
  }

  /** NAT router `k` on the bridge at 198.18.0.(100+k) (see {@link Lab.addNatted}). */
  private async natRouter(k: number, symmetric: boolean): Promise<string> {
    const router = `myc-${this.id}-n${k}`;
    await sh("ip", ["netns", "add", router]);
    this.namespaces.push(router);
    await sh("ip", ["-n", router, "link", "set", "lo", "up"]);
    await sh("ip", [
      "-n",
      this.bridgeNs,
      "link",
      "add",
      `vn${k}`,
      "type",
      "veth",
      "peer",
      "name",
      "wan",
      "netns",
      router,
    ]);
    await sh("ip", ["-n", this.bridgeNs, "link", "set", `vn${k}`, "master", "br0", "up"]);
    await sh("ip", ["-n", router, "address", "add", `198.18.0.${100 + k}/24`, "dev", "wan"]);
    await sh("ip", ["-n", router, "link", "set", "wan", "up"]);
    await sh("ip", ["netns", "exec", router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    const rules = `table ip mycnat {
  chain outgoing {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade${symmetric ? " random" : ""}
  }
  chain forwarding {
    type filter hook forward priority filter; policy drop;
    iifname "lan" accept
    ct state established,related accept
  }
  chain incoming {
    type filter hook input priority filter; policy drop;
    iifname "lo" accept
    iifname "lan" accept
    ct state established,related accept
  }
}
`;
    await sh("ip", ["netns", "exec", router, "nft", "-f", "-"], rules);
    return router;
  }

  /** The node named `name`. */
  node(name: string): Node {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Start a process in namespace `ns`, tracked for cleanup. */
  start(ns: string, cmd: string, args: string[], options: ProcOptions = {}): Proc {
    const p = startInNetns(ns, cmd, args, options);
    this.procs.add(p);
    p.result().finally(() => this.procs.delete(p));
    return p;
  }

  /**
   * Tear everything down (see the module doc). Never throws; returns what
   * could not be cleaned or what had to be killed unexpectedly late.
   */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    // 1. our own children, by PID
    await Promise.all([...this.procs].map((p) => p.stop("SIGKILL").catch(() => {})));
    // 2. wireguard-go processes recorded in the homes' state
    for (const n of this.nodes) {
      const pid = await n.statePid().catch(() => undefined);
      if (pid !== undefined && (await alive(pid)) && (await cmdline(pid)).includes(n.ifname)) {
        try {
          Deno.kill(pid, "SIGTERM");
        } catch {
          // exited meanwhile
        }
      }
    }
    // 3. anything else still inside our namespaces, by PID
    for (let round = 0; round < 40; round++) {
      const left: number[] = [];
      for (const ns of this.namespaces) left.push(...(await pidsInNetns(ns)));
      if (left.length === 0) break;
      if (round === 39) {
        problems.push(`processes survive in the namespaces: ${left.join(", ")}`);
        break;
      }
      for (const pid of left) {
        try {
          Deno.kill(pid, round < 10 ? "SIGTERM" : "SIGKILL");
        } catch {
          // exited meanwhile
        }
      }
      await sleep(50);
    }
    // 4. namespaces (with their veths and bridge), sockets, homes
    for (const ns of [...this.namespaces].reverse()) {
      try {
        await sh("ip", ["netns", "del", ns]);
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    for (const n of this.nodes) {
      for (const name of n.ifnames) {
        await Deno.remove(`/var/run/wireguard/${name}.sock`).catch(() => {});
      }
    }
    for (const d of this.dirs) {
      await Deno.remove(d, { recursive: true }).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) problems.push(`remove ${d}: ${e}`);
      });
    }
    return problems;
  }
}

/** One device: a namespace, an underlay address, a mycel home. */
export class Node {
  /** The lab it belongs to. */
  readonly lab: Lab;
  /** Device name (also used in namespace and interface names). */
  readonly name: string;
  /** Namespace. */
  readonly ns: string;
  /** Underlay IPv4. */
  readonly ip: string;
  /** WireGuard interface name (unique to this run, ≤ 15 characters). */
  readonly ifname: string;
  /** Every interface name handed out for this node (for socket cleanup). */
  readonly ifnames: string[];
  /** Temporary folder; the home is `dir/home`. */
  readonly dir: string;
  /** The running `sync serve`, if any. */
  server?: Proc;
  /** Environment every mycel run here gets on top of {@link Node.env}'s (e.g. MYCEL_ADDRESSES). */
  envOverrides: Record<string, string | undefined> = {};

  constructor(lab: Lab, name: string, index: number, dir: string, ip?: string) {
    this.lab = lab;
    this.name = name;
    this.ns = `myc-${lab.id}-${name}`;
    this.ip = ip ?? `198.18.0.${index}`;
    this.ifname = `myc${lab.id}${name}`.slice(0, 15);
    this.ifnames = [this.ifname];
    this.dir = dir;
  }

  /** The mycel home. */
  get home(): string {
    return `${this.dir}/home`;
  }

  /**
   * The environment of mycel here: a child's, with this home, and with the
   * namespace's own addresses advertised and LAN discovery on (as for a user).
   */
  env(extra: Record<string, string | undefined> = {}): Record<string, string> {
    return childEnv({
      home: this.home,
      env: {
        MYCEL_ADDRESSES: undefined,
        MYCEL_DISCOVERY: undefined,
        ...this.envOverrides,
        ...extra,
      },
    });
  }

  /** A second interface name for this node (e.g. for a must-not-be-created check). */
  altIfname(tag: string): string {
    const n = `myc${this.lab.id}${tag}`.slice(0, 15);
    this.ifnames.push(n);
    return n;
  }

  /** Start any command in this namespace (tracked, killed by PID at cleanup). */
  start(cmd: string, args: string[], options: ProcOptions = {}): Proc {
    return this.lab.start(this.ns, cmd, args, options);
  }

  /** Run any command in this namespace to completion. */
  async exec(cmd: string, args: string[], options: ProcOptions = {}): Promise<ProcResult> {
    const r = await this.start(cmd, args, options).result();
    if (DEBUG) {
      console.log(
        `[${this.name}] ${cmd.split("/").pop()} ${
          args.slice(cmd === Deno.execPath() ? 3 : 0).join(" ")
        } → ${r.code} ${Math.round(r.ms)}ms`,
      );
    }
    return r;
  }

  /** Start `mycel ARGS...` in this namespace with this home. */
  spawn(args: readonly string[], options: ProcOptions = {}): Proc {
    return this.start(Deno.execPath(), [...denoRunArgs(MAIN_TS), ...args], {
      env: this.env(),
      ...options,
    });
  }

  /** Run `mycel ARGS...` (never throws for a non-zero exit). */
  run(args: readonly string[], options: ProcOptions = {}): Promise<ProcResult> {
    return this.exec(Deno.execPath(), [...denoRunArgs(MAIN_TS), ...args], {
      env: this.env(),
      ...options,
    });
  }

  /** Run `mycel ARGS...` and require exit 0. */
  async ok(args: readonly string[], options: ProcOptions = {}): Promise<ProcResult> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`[${this.name}] expected exit 0: ${describe(args, r)}`);
    return r;
  }

  /** Run `mycel ARGS...`, require exit 0 and parse stdout as JSON. */
  async json<T>(args: readonly string[]): Promise<T> {
    const r = await this.ok(args);
    return JSON.parse(r.stdout) as T;
  }

  /** `init --name NAME --listen IP:7000`. */
  init(): Promise<ProcResult> {
    return this.ok(["init", "--name", this.name, "--listen", `${this.ip}:${SYNC_PORT}`]);
  }

  /** A local change that does not contact peers. */
  write(...args: string[]): Promise<ProcResult> {
    return this.ok(["--no-sync", ...args]);
  }

  /** Start `sync serve --listen 0.0.0.0:7000` and wait until it listens. */
  async serve(): Promise<Proc> {
    const p = this.spawn(["sync", "serve", "--listen", `0.0.0.0:${SYNC_PORT}`], {
      timeoutMs: 600_000,
    });
    await p.waitFor(/listening on/);
    this.server = p;
    return p;
  }

  /** `mesh up --interface IF` (global flags such as `--no-sync` first); requires exit 0. */
  meshUp(...global: string[]): Promise<ProcResult> {
    return this.ok([...global, "mesh", "up", "--interface", this.ifname]);
  }

  /** `status --json`. */
  status(): Promise<StatusJson> {
    return this.json<StatusJson>(["status", "--json"]);
  }

  /** The state digest. */
  async digest(): Promise<string> {
    return (await this.status()).state_digest;
  }

  /** Mesh IPv4 of this device (from its status). */
  async meshIpv4(): Promise<string> {
    return (await this.status()).device.ipv4;
  }

  /** `sync now --json --timeout S`: the process result and its lines. */
  async syncNow(timeoutS = 6): Promise<{ result: ProcResult; lines: SyncLineJson[] }> {
    const args = ["sync", "now", "--json", "--timeout", String(timeoutS)];
    const result = await this.run(args);
    if (DEBUG) console.log(`[${this.name}] ${result.stdout}${result.stderr}`);
    try {
      return { result, lines: JSON.parse(result.stdout) as SyncLineJson[] };
    } catch {
      throw new Error(`[${this.name}] sync now printed no JSON: ${describe(args, result)}`);
    }
  }

  /** `ping -c 1 -W 2 ADDR` from this namespace: true when answered. */
  async ping(addr: string, waitS = 2): Promise<boolean> {
    const r = await this.exec("ping", ["-n", "-c", "1", "-W", String(waitS), addr]);
    return r.code === 0;
  }

  /**
   * Repeat `ping -c 1 -W 2 ADDR` until it is answered or `ms` passed. The
   * first packets to a peer may wait for a WireGuard handshake, and
   * wireguard-go sends at most one initiation per 5 s (REKEY_TIMEOUT), also
   * counting attempts made before the peer had an endpoint.
   */
  async waitPing(addr: string, ms = 12_000): Promise<boolean> {
    const until = Date.now() + ms;
    do {
      if (await this.ping(addr)) return true;
    } while (Date.now() < until);
    return false;
  }

  /** `wg show IF dump`, or undefined when the interface is absent. */
  async wgDump(ifname = this.ifname): Promise<WgDumpView | undefined> {
    const r = await this.exec("wg", ["show", ifname, "dump"]);
    return r.code === 0 ? parseDump(r.stdout) : undefined;
  }

  /** True when interface `ifname` exists in this namespace. */
  async linkExists(ifname = this.ifname): Promise<boolean> {
    return (await this.exec("ip", ["link", "show", "dev", ifname])).code === 0;
  }

  /** Global addresses on `ifname` as "addr/prefix", sorted. */
  async addresses(ifname = this.ifname): Promise<string[]> {
    const r = await this.exec("ip", ["-j", "address", "show", "dev", ifname]);
    assert.equal(r.code, 0, r.stderr);
    const out: string[] = [];
    for (
      const l of JSON.parse(r.stdout) as {
        addr_info: { local: string; prefixlen: number; scope: string }[];
      }[]
    ) {
      for (const a of l.addr_info) if (a.scope !== "link") out.push(`${a.local}/${a.prefixlen}`);
    }
    return out.sort();
  }

  /** IPv4 routes through `ifname` (destinations as `ip` prints them), sorted. */
  async routes4(ifname = this.ifname): Promise<string[]> {
    const r = await this.exec("ip", ["-j", "-4", "route", "show", "dev", ifname]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { dst: string }[]).map((x) => x.dst).sort();
  }

  /** Set the underlay link (`eth0`) down or up. */
  async underlay(state: "up" | "down"): Promise<void> {
    await sh("ip", ["-n", this.ns, "link", "set", "eth0", state]);
  }

  /** The wireguard-go PID `mesh up` recorded in this home's state (`local.mesh.pid`). */
  async statePid(): Promise<number | undefined> {
    const home = await Home.open(this.home, { write: false, env: () => undefined });
    try {
      return home.local.get("mesh")?.pid;
    } finally {
      home.close();
    }
  }

  /** Live wireguard-go processes in this namespace. */
  async wireguardGoPids(): Promise<number[]> {
    const out: number[] = [];
    for (const pid of await pidsInNetns(this.ns)) {
      const argv = await cmdline(pid);
      if (argv.some((a) => a.endsWith("wireguard-go"))) out.push(pid);
    }
    return out;
  }
}

/**
 * Pair `joiner` into `inviter`'s mesh: the inviter shows a code while
 * listening on its underlay address, the joiner enters it.
 */
export async function pair(inviter: Node, joiner: Node): Promise<void> {
  const p = inviter.spawn(["pair", "--listen", `${inviter.ip}:${PAIR_PORT}`, "--ttl", "60s"]);
  const code = (await p.waitFor(/MYCEL-[0-9A-Z]{4}(?:-[0-9A-Z]{4})+/))[0];
  await joiner.ok(["pair", code]);
  const r = await p.result();
  assert.equal(r.code, 0, describe(["pair"], r));
}

/**
 * Paired devices with their sync servers running and the mesh up, every
 * peer known with its WireGuard endpoint and every tunnel answering pings. `chain`: `b` joins `a`'s code, `c`
 * joins `b`'s, and so on along the list; `star`: every device joins `a`'s.
 */
export async function meshOf(lab: Lab, topology: "chain" | "star" = "chain"): Promise<void> {
  const nodes = lab.nodes;
  await Promise.all(nodes.map((n) => n.init()));
  for (let i = 1; i < nodes.length; i++) {
    await pair(topology === "chain" ? nodes[i - 1] : nodes[0], nodes[i]);
  }
  await Promise.all(nodes.map((n) => n.serve()));
  // The first `mesh up` creates the interface and publishes the device's
  // WireGuard port; a sync round (`sync now`, which falls back to the direct
  // route) spreads the ports, and the second `mesh up` gives every peer its
  // endpoint. `--no-sync`: a write's own push cannot get through while the
  // mesh path is dead (see push_fallback_test.ts).
  await Promise.all(nodes.map((n) => n.meshUp("--no-sync")));
  // The first device first (in a star it knows everyone), then the others.
  await nodes[0].syncNow(8);
  await Promise.all(nodes.slice(1).map((n) => n.syncNow(8)));
  await Promise.all(nodes.map((n) => n.meshUp()));
  const complete = async () => {
    for (const n of nodes) {
      const dump = await n.wgDump();
      if (dump?.peers.length !== nodes.length - 1 || dump.peers.some((p) => !p.endpoint)) {
        return false;
      }
    }
    return true;
  };
  if (!(await complete())) {
    await Promise.all(nodes.map((n) => n.syncNow(8)));
    await Promise.all(nodes.map((n) => n.meshUp()));
  }
  const ipv4 = await Promise.all(nodes.map((n) => n.meshIpv4()));
  await Promise.all(nodes.flatMap((n, i) =>
    nodes.map(async (_, j) => {
      if (i === j) return;
      // wireguard-go retries a handshake only every 5 s, and on a loaded
      // machine (the whole suite runs in parallel) the first ones can be
      // lost; re-applying the peers on both ends restarts them.
      const reached = await n.waitPing(ipv4[j], 15_000) ||
        (await Promise.all([n.meshUp("--no-sync"), nodes[j].meshUp("--no-sync")]),
          await n.waitPing(ipv4[j], 30_000));
      assert.ok(reached, `${n.name} cannot reach ${nodes[j].name} (${ipv4[j]})`);
    })
  ));
  for (const n of nodes) {
    const dump = await n.wgDump();
    assert.ok(dump, `${n.name}: no WireGuard interface`);
    assert.equal(dump.peers.length, nodes.length - 1, `${n.name}: peers ${JSON.stringify(dump)}`);
    for (const p of dump.peers) {
      assert.ok(p.endpoint, `${n.name}: a peer has no endpoint: ${JSON.stringify(dump)}`);
    }
  }
}
