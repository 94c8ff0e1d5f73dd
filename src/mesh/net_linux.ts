/**
 * @module net_linux
 * The Linux steps of the mesh interface, with `ip` (iproute2): kernel
 * WireGuard when `ip link add … type wireguard` works, else a `wireguard-go`
 * process started here and later stopped by its PID, never by name. Only
 * routes through the interface that the kernel did not add itself (not
 * `proto kernel`) count as mycel's.
 */

import { formatCidr, parseCidr } from "../ip.ts";
import { isMycelError, MycelError } from "../errors.ts";
import type { Backend, Created, NetDriver } from "./net_driver.ts";
import { waitUntil } from "./net_driver.ts";
import { procAlive, stopProcess } from "./processes.ts";
import { commandFailed, firstLine, type Runner, runOk } from "./system.ts";

/** Canonical CIDR of an `ip -j` destination (`100.64.1.2` means /32). */
function canonical(dst: string): string | undefined {
  try {
    return formatCidr(
      parseCidr(dst.includes("/") ? dst : `${dst}/${dst.includes(":") ? 128 : 32}`),
    );
  } catch {
    return undefined;
  }
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text || "[]") as T;
  } catch {
    throw new MycelError(
      "command_failed",
      `read ${what}`,
      "`ip -j` printed something that is not JSON",
    );
  }
}

/** True when process `pid` is the wireguard-go serving `ifname` (guards against PID reuse). */
export async function isWireguardGo(pid: number, ifname: string): Promise<boolean> {
  try {
    const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    return args.some((a) => a.endsWith("wireguard-go")) && args.includes(ifname) &&
      (await procAlive(pid));
  } catch {
    return false;
  }
}

/** Linux: `ip` and kernel WireGuard or wireguard-go. */
export class LinuxDriver implements NetDriver {
  readonly platform = "linux" as const;
  readonly hostRoutes6 = false;
  constructor(readonly runner: Runner) {}

  async find(name: string): Promise<string | undefined> {
    return (await this.runner.run("ip", ["link", "show", "dev", name])).code === 0
      ? name
      : undefined;
  }

  async create(name: string): Promise<Created> {
    const kernel = await this.runner.run("ip", ["link", "add", "dev", name, "type", "wireguard"]);
    if (kernel.code === 0) return { real: name, backend: "kernel" };
    const pid = this.runner.start("wireguard-go", ["-f", name]);
    const ok = await waitUntil(
      async () => (await this.find(name)) !== undefined || !(await procAlive(pid)),
      5000,
    ).catch(async (e) => {
      // `ip` hung or Ctrl-C: the wireguard-go just started is not left behind.
      await this.destroy(name, name, pid).catch(() => {});
      throw e;
    });
    if (!ok || (await this.find(name)) === undefined) {
      const exited = !(await procAlive(pid));
      await this.destroy(name, name, pid);
      throw new MycelError(
        "command_failed",
        "bring the mesh up",
        exited
          ? "wireguard-go exited without creating the interface"
          : "wireguard-go did not create the interface",
        {
          value: name,
          hint:
            `Check that /dev/net/tun exists and that no other WireGuard interface is called ${name} (\`wg show interfaces\`).`,
        },
      );
    }
    return { real: name, backend: "wireguard-go", pid };
  }

  async backend(real: string): Promise<Backend> {
    const r = await this.runner.run("ip", ["-d", "link", "show", "dev", real]);
    return /\bwireguard\b/.test(r.stdout) ? "kernel" : "wireguard-go";
  }

  async destroy(name: string, _real: string, pid?: number): Promise<string[]> {
    const problems: string[] = [];
    let interrupted: unknown;
    try {
      if (await this.find(name)) {
        const r = await this.runner.run("ip", ["link", "del", "dev", name]);
        if (r.code !== 0 && (await this.find(name))) problems.push(firstLine(r));
      }
    } catch (e) {
      if (isMycelError(e, "sync_interrupted")) interrupted = e;
      problems.push((e as Error).message);
    }
    if (pid !== undefined && (await isWireguardGo(pid, name))) {
      if (!(await stopProcess(pid))) problems.push(`wireguard-go (pid ${pid}) did not stop`);
    }
    if (pid !== undefined && !(await procAlive(pid))) {
      // SIGKILL leaves the control socket behind; it names our interface.
      await Deno.remove(`/var/run/wireguard/${name}.sock`).catch(() => {});
    }
    if (interrupted !== undefined) throw interrupted; // after stopping what it could
    return problems;
  }

  async addresses(real: string): Promise<string[]> {
    const r = await runOk(this.runner, "read interface addresses", "ip", [
      "-j",
      "address",
      "show",
      "dev",
      real,
    ]);
    const out: string[] = [];
    const links = parseJson<
      { addr_info?: { local: string; prefixlen: number; scope?: string }[] }[]
    >(
      r.stdout,
      "interface addresses",
    );
    for (const link of links) {
      for (const a of link.addr_info ?? []) {
        const c = a.scope === "link" ? undefined : canonical(`${a.local}/${a.prefixlen}`);
        if (c) out.push(c);
      }
    }
    return out;
  }

  async addAddress(real: string, cidr: string): Promise<void> {
    await runOk(this.runner, "set mesh address", "ip", ["address", "replace", cidr, "dev", real]);
  }

  async delAddress(real: string, cidr: string): Promise<void> {
    await runOk(this.runner, "remove old mesh address", "ip", [
      "address",
      "del",
      cidr,
      "dev",
      real,
    ]);
  }

  async routes(real: string): Promise<string[]> {
    const out: string[] = [];
    for (const family of ["-4", "-6"]) {
      const r = await runOk(this.runner, "read mesh routes", "ip", [
        "-j",
        family,
        "route",
        "show",
        "dev",
        real,
      ]);
      for (
        const route of parseJson<{ dst?: string; protocol?: string; type?: string }[]>(
          r.stdout,
          "routes",
        )
      ) {
        if (route.protocol === "kernel" || route.dst === undefined || route.dst === "default") {
          continue;
        }
        if (route.type !== undefined && route.type !== "unicast") continue;
        const c = canonical(route.dst);
        if (c) out.push(c);
      }
    }
    return out;
  }

  async addRoute(real: string, cidr: string): Promise<void> {
    // `add`, not `replace`: a route the user has to that address (through
    // another interface) is theirs; replaced, `mesh down` deleted it for good.
    const args = ["route", "add", cidr, "dev", real];
    const r = await this.runner.run("ip", args);
    if (r.code === 0) return;
    if (/file exists/i.test(r.stderr)) {
      const ip = cidr.split("/")[0];
      throw new MycelError(
        "route_taken",
        "route a mesh peer",
        "another route to that address exists, and mycel does not replace it",
        {
          value: cidr,
          hint: `\`ip route get ${ip}\` shows it; remove it (\`ip route del ${cidr}\`) if it ` +
            "is not needed, then run `mycel mesh up` again.",
        },
      );
    }
    throw commandFailed(r, "route a mesh peer", "ip", args);
  }

  async delRoute(real: string, cidr: string): Promise<void> {
    await runOk(this.runner, "remove a mesh route", "ip", ["route", "del", cidr, "dev", real]);
  }

  async setUp(real: string, mtu: number): Promise<void> {
    await runOk(this.runner, "bring the mesh up", "ip", [
      "link",
      "set",
      "dev",
      real,
      "mtu",
      String(mtu),
      "up",
    ]);
  }
}
