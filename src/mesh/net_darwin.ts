/**
 * @module net_darwin
 * The macOS steps of the mesh interface. macOS has no kernel WireGuard and
 * names tunnels itself: `wireguard-go utun` takes the next free `utunN` and
 * writes that name to `WG_TUN_NAME_FILE` (/var/run/wireguard/<name>.name),
 * the file wg-quick's darwin script also reads. Addresses with `ifconfig …
 * alias`, one route per allowed IP with `route -q -n add -inet[6] … -interface`,
 * MTU then up — the commands that script runs for the same config, except
 * that wireguard-go runs in the foreground (`-f`, started detached) so mycel
 * holds its PID, and the peers go through `wg syncconf` so a re-run is
 * idempotent. Taking it down removes the control socket, which makes
 * wireguard-go close the tunnel and exit. Routes mycel added are the static
 * (`S`) ones `netstat -nr` lists on the interface.
 */

import { MycelError } from "../errors.ts";
import { parseIfconfig, parseNetstat } from "./darwin_parse.ts";
import type { Backend, Created, NetDriver } from "./net_driver.ts";
import { waitUntil } from "./net_driver.ts";
import { type Runner, runOk } from "./system.ts";

/** Where wireguard-go keeps its control sockets and wg-quick its name files. */
export const WG_RUN_DIR = "/var/run/wireguard";

const family = (cidr: string) => (cidr.includes(":") ? "-inet6" : "-inet");

/** macOS: wireguard-go utun, ifconfig, route. */
export class DarwinDriver implements NetDriver {
  readonly platform = "darwin" as const;
  readonly hostRoutes6 = true;
  constructor(readonly runner: Runner) {}

  async find(name: string): Promise<string | undefined> {
    const r = await this.runner.run("cat", [`${WG_RUN_DIR}/${name}.name`]);
    const real = r.stdout.trim();
    if (r.code !== 0 || !/^utun[0-9]{1,4}$/.test(real)) return undefined;
    return (await this.runner.run("ifconfig", [real])).code === 0 ? real : undefined;
  }

  async create(name: string): Promise<Created> {
    await runOk(this.runner, "bring the mesh up", "mkdir", ["-p", WG_RUN_DIR]);
    const pid = this.runner.start("wireguard-go", ["-f", "utun"], {
      WG_TUN_NAME_FILE: `${WG_RUN_DIR}/${name}.name`,
    });
    let real: string | undefined;
    await waitUntil(async () => (real = await this.find(name)) !== undefined, 5000).catch(
      async (e) => {
        // A tool hung or Ctrl-C: the wireguard-go just started is not left behind.
        await this.destroy(name, "", pid).catch(() => {});
        throw e;
      },
    );
    if (real === undefined) {
      await this.destroy(name, "", pid);
      throw new MycelError(
        "command_failed",
        "bring the mesh up",
        "wireguard-go made no utun interface",
        {
          value: name,
          hint: "Check that wireguard-go runs (`sudo wireguard-go -f utun`).",
        },
      );
    }
    return { real, backend: "wireguard-go", pid };
  }

  backend(_real: string): Promise<Backend> {
    return Promise.resolve("wireguard-go");
  }

  async destroy(name: string, real: string, pid?: number): Promise<string[]> {
    const problems: string[] = [];
    const steps: string[][] = [
      ...(real ? [["rm", "-f", `${WG_RUN_DIR}/${real}.sock`]] : []),
      ["rm", "-f", `${WG_RUN_DIR}/${name}.name`],
    ];
    for (const [cmd, ...args] of steps) {
      const r = await this.runner.run(cmd, args).catch((e) => ({
        code: 1,
        stdout: "",
        stderr: String(e),
      }));
      if (r.code !== 0) problems.push(r.stderr.trim());
    }
    if (pid !== undefined) {
      const ours = async () =>
        /wireguard-go/.test(
          (await this.runner.run("ps", ["-o", "command=", "-p", String(pid)])).stdout,
        );
      if (!(await waitUntil(async () => !(await ours()), 2000))) {
        await this.runner.run("kill", ["-TERM", String(pid)]);
        if (!(await waitUntil(async () => !(await ours()), 1000))) {
          problems.push(`wireguard-go (pid ${pid}) did not stop`);
        }
      }
    }
    return problems;
  }

  async addresses(real: string): Promise<string[]> {
    return parseIfconfig(
      (await runOk(this.runner, "read interface addresses", "ifconfig", [real])).stdout,
    );
  }

  async addAddress(real: string, cidr: string): Promise<void> {
    const addr = cidr.split("/")[0];
    const args = cidr.includes(":")
      ? [real, "inet6", cidr, "alias"]
      : [real, "inet", cidr, addr, "alias"];
    await runOk(this.runner, "set mesh address", "ifconfig", args);
  }

  async delAddress(real: string, cidr: string): Promise<void> {
    const addr = cidr.split("/")[0];
    await runOk(this.runner, "remove old mesh address", "ifconfig", [
      real,
      cidr.includes(":") ? "inet6" : "inet",
      addr,
      "-alias",
    ]);
  }

  async routes(real: string): Promise<string[]> {
    const out: string[] = [];
    for (const f of ["inet", "inet6"]) {
      out.push(
        ...parseNetstat(
          (await runOk(this.runner, "read mesh routes", "netstat", ["-nr", "-f", f])).stdout,
          real,
        ),
      );
    }
    return out;
  }

  async addRoute(real: string, cidr: string): Promise<void> {
    await runOk(this.runner, "route a mesh peer", "route", [
      "-q",
      "-n",
      "add",
      family(cidr),
      cidr,
      "-interface",
      real,
    ]);
  }

  async delRoute(real: string, cidr: string): Promise<void> {
    await runOk(this.runner, "remove a mesh route", "route", [
      "-q",
      "-n",
      "delete",
      family(cidr),
      cidr,
      "-interface",
      real,
    ]);
  }

  async setUp(real: string, mtu: number): Promise<void> {
    await runOk(this.runner, "set the mesh MTU", "ifconfig", [real, "mtu", String(mtu)]);
    await runOk(this.runner, "bring the mesh up", "ifconfig", [real, "up"]);
  }
}
