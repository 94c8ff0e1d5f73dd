/**
 * @module interface
 * Bringing the mesh interface up and down. `meshUp` is idempotent and safe to
 * run every round: it creates the interface if missing (kernel WireGuard when
 * `ip link add … type wireguard` works, else a `wireguard-go` process), then
 * applies the private key, port and peers with `wg syncconf` (so peers no
 * longer in the plan — revoked devices — are removed), and makes the
 * interface's addresses exactly the planned ones. The private key goes to
 * `wg` on stdin only.
 */

import { MycelError } from "../errors.ts";
import type { InterfacePlan } from "./plan.ts";
import { canAdminNetwork, type Runner, runOk } from "./system.ts";
import { renderWgConfig } from "./wg_config.ts";
import { parseWgDump, type WgDump } from "./wg_dump.ts";

/** How the interface is implemented. */
export type Backend = "kernel" | "wireguard-go";

/** What `meshUp` needs. */
export interface UpOptions {
  /** Interface name, e.g. mycel0. */
  ifname: string;
  /** UDP listen port. */
  port: number;
  /** WireGuard private key (32 bytes). */
  privateKey: Uint8Array;
  /** Addresses and peers. */
  plan: InterfacePlan;
  /** Command runner. */
  runner: Runner;
}

/** What `meshUp` did. */
export interface UpResult {
  /** Kernel module or userspace. */
  backend: Backend;
  /** True when the interface was created by this call. */
  created: boolean;
  /** PID of the wireguard-go process this call started. */
  pid?: number;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Check an interface name (Linux allows at most 15 characters). */
export function checkIfname(name: string): string {
  if (!IFNAME.test(name) || name === "." || name === "..") {
    throw new MycelError(
      "bad_input",
      "use interface name",
      "use 1–15 letters, digits, `_`, `-` or `.`",
      {
        value: name,
        exit: 2,
      },
    );
  }
  return name;
}

/** True when interface `ifname` exists. */
export async function linkExists(runner: Runner, ifname: string): Promise<boolean> {
  return (await runner.run("ip", ["link", "show", "dev", ifname])).code === 0;
}

async function waitForLink(runner: Runner, ifname: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await linkExists(runner, ifname)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function detectBackend(runner: Runner, ifname: string): Promise<Backend> {
  const r = await runner.run("ip", ["-d", "link", "show", "dev", ifname]);
  return /\bwireguard\b/.test(r.stdout) ? "kernel" : "wireguard-go";
}

/** Bring the interface up (or bring it in line with the plan). */
export async function meshUp(o: UpOptions): Promise<UpResult> {
  if (!(await canAdminNetwork())) {
    throw new MycelError(
      "needs_root",
      "bring the mesh up",
      "configuring network interfaces needs root",
      {
        hint: "Run `sudo mycel mesh up` (or give mycel CAP_NET_ADMIN).",
      },
    );
  }
  const { runner, ifname } = o;
  let created = false;
  let pid: number | undefined;
  let backend: Backend;
  if (await linkExists(runner, ifname)) {
    backend = await detectBackend(runner, ifname);
  } else {
    created = true;
    const kernel = await runner.run("ip", ["link", "add", "dev", ifname, "type", "wireguard"]);
    if (kernel.code === 0) backend = "kernel";
    else {
      backend = "wireguard-go";
      pid = runner.start("wireguard-go", ["-f", ifname]);
      if (!(await waitForLink(runner, ifname, 5000))) {
        throw new MycelError(
          "command_failed",
          "bring the mesh up",
          "wireguard-go did not create the interface",
          {
            value: ifname,
            hint:
              "Check that /dev/net/tun exists and that wireguard-go runs (`wireguard-go -f mycel0`).",
          },
        );
      }
    }
  }
  const config = renderWgConfig({ listenPort: o.port, peers: o.plan.peers }, o.privateKey);
  await runOk(runner, "configure WireGuard", "wg", ["syncconf", ifname, "/dev/stdin"], config);
  await syncAddresses(runner, ifname, o.plan.addresses);
  await runOk(runner, "bring the mesh up", "ip", [
    "link",
    "set",
    "dev",
    ifname,
    "mtu",
    "1420",
    "up",
  ]);
  return { backend, created, pid };
}

/** Make the interface's addresses exactly `wanted` (CIDR strings). */
async function syncAddresses(runner: Runner, ifname: string, wanted: string[]): Promise<void> {
  const r = await runOk(runner, "read interface addresses", "ip", [
    "-j",
    "address",
    "show",
    "dev",
    ifname,
  ]);
  const present = new Set<string>();
  for (
    const link of JSON.parse(r.stdout || "[]") as {
      addr_info?: { local: string; prefixlen: number; scope?: string }[];
    }[]
  ) {
    for (const a of link.addr_info ?? []) {
      if (a.scope !== "link") present.add(`${a.local}/${a.prefixlen}`);
    }
  }
  for (const a of present) {
    if (!wanted.includes(a)) {
      await runOk(runner, "remove old mesh address", "ip", ["address", "del", a, "dev", ifname]);
    }
  }
  for (const a of wanted) {
    if (!present.has(a)) {
      await runOk(runner, "set mesh address", "ip", ["address", "replace", a, "dev", ifname]);
    }
  }
}

/** Remove the interface and stop the wireguard-go process `pid` if it is still ours. */
export async function meshDown(
  runner: Runner,
  ifname: string,
  pid?: number,
): Promise<{ removed: boolean }> {
  if (!(await canAdminNetwork())) {
    throw new MycelError(
      "needs_root",
      "take the mesh down",
      "configuring network interfaces needs root",
      {
        hint: "Run `sudo mycel mesh down`.",
      },
    );
  }
  const removed = await linkExists(runner, ifname);
  if (removed) {
    await runOk(runner, "remove the mesh interface", "ip", ["link", "del", "dev", ifname]);
  }
  if (pid !== undefined && (await isWireguardGo(pid, ifname))) {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      // it exited on its own when the link went away
    }
  }
  return { removed };
}

/** True when process `pid` is the wireguard-go serving `ifname` (guards against PID reuse). */
export async function isWireguardGo(pid: number, ifname: string): Promise<boolean> {
  try {
    const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    return args.some((a) => a.endsWith("wireguard-go")) && args.includes(ifname);
  } catch {
    return false;
  }
}

/** `wg show IF dump`, parsed; undefined when the interface is absent or unreadable. */
export async function readWgDump(runner: Runner, ifname: string): Promise<WgDump | undefined> {
  try {
    const r = await runner.run("wg", ["show", ifname, "dump"]);
    return r.code === 0 ? parseWgDump(r.stdout) : undefined;
  } catch {
    return undefined;
  }
}
