/**
 * @module net_driver
 * What `mesh up` needs from the operating system, one method per step, so
 * interface.ts is the same on every platform: Linux (`ip`, kernel WireGuard
 * or `wireguard-go`) in net_linux.ts, macOS (`wireguard-go utun`,
 * `ifconfig`, `route`, `netstat`, as wg-quick's darwin script does) in
 * net_darwin.ts. Every command goes through the {@link Runner}, so the
 * macOS commands can be rendered and checked on Linux.
 *
 * Names: `name` is the interface name mycel was asked for (mycel0); `real`
 * is the kernel's name for it — the same on Linux, `utunN` on macOS.
 */

import type { Platform, Runner } from "./system.ts";
import { lazyImport } from "../lazy_import.ts";

/** How the interface is implemented. */
export type Backend = "kernel" | "wireguard-go";

/** What {@link NetDriver.create} made. */
export interface Created {
  /** The kernel's name of the interface. */
  real: string;
  /** Kernel module or userspace. */
  backend: Backend;
  /** PID of the wireguard-go process started, if any. */
  pid?: number;
}

/** The platform-specific steps of bringing an interface up and down. */
export interface NetDriver {
  /** Which platform the commands are for. */
  readonly platform: Platform;
  /** The runner every command goes through. */
  readonly runner: Runner;
  /**
   * True when the mesh's IPv6 peers need one /128 route each; false when the
   * /48 on the interface already routes the whole mesh prefix to it.
   */
  readonly hostRoutes6: boolean;
  /** The kernel name of interface `name` when it exists. */
  find(name: string): Promise<string | undefined>;
  /** Create interface `name` (nothing else); throws when it cannot. */
  create(name: string): Promise<Created>;
  /** Which implementation an existing interface uses. */
  backend(real: string): Promise<Backend>;
  /**
   * Remove the interface and stop the wireguard-go `pid` (if still ours).
   * Returns what could not be done; throws only Ctrl-C (`sync_interrupted`),
   * after stopping wireguard-go by its PID all the same.
   */
  destroy(name: string, real: string, pid?: number): Promise<string[]>;
  /** Global addresses of the interface as canonical CIDRs. */
  addresses(real: string): Promise<string[]>;
  /** Add one address (CIDR). */
  addAddress(real: string, cidr: string): Promise<void>;
  /** Remove one address (CIDR). */
  delAddress(real: string, cidr: string): Promise<void>;
  /** Routes mycel manages through the interface, as canonical CIDRs. */
  routes(real: string): Promise<string[]>;
  /** Route `cidr` through the interface. */
  addRoute(real: string, cidr: string): Promise<void>;
  /** Remove the route to `cidr` through the interface. */
  delRoute(real: string, cidr: string): Promise<void>;
  /** Set the MTU and bring the link up. */
  setUp(real: string, mtu: number): Promise<void>;
}

/** The driver for `platform` (default: this machine's). */
export async function netDriver(runner: Runner, platform: Platform): Promise<NetDriver> {
  if (platform === "darwin") {
    const { DarwinDriver } = await lazyImport<typeof import("./net_darwin.ts")>(
      new URL("./net_darwin.ts", import.meta.url),
    );
    return new DarwinDriver(runner);
  }
  const { LinuxDriver } = await lazyImport<typeof import("./net_linux.ts")>(
    new URL("./net_linux.ts", import.meta.url),
  );
  return new LinuxDriver(runner);
}

/** Poll `check` every 50 ms for up to `ms`; true as soon as it holds. */
export async function waitUntil(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (true) {
    if (await check()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
