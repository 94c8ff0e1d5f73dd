/**
 * @module served_home
 * The home a long-running listener serves, followed across a replacement: a
 * removed device paired again keeps its old home aside and makes a new one
 * in its place, and the next connection must be served from the new one
 * (the old handle would answer with the old key, which every member now
 * refuses).
 *
 * - Opening the new home never holds up the accept loop: a busy home (a
 *   long write elsewhere) can take up to SQLite's busy timeout to open, and
 *   connections accepted meanwhile wait for it in their own tasks.
 * - A handle is closed as soon as it is replaced and the last connection
 *   using it has ended — not only when the listener stops.
 * - A new home that can't be opened is logged; the old one keeps being
 *   served and the next connection tries again.
 */

import { homePaths } from "../storage/home.ts";
import type { Home } from "../storage/home_handle.ts";

/** Which database file the home at `root` is now ("dev:ino"), or undefined. */
export function homeIdentity(root: string): string | undefined {
  try {
    const info = Deno.statSync(homePaths(root).db);
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

/** The served home, as handles that connections borrow and give back. */
export class ServedHome {
  readonly #root: string;
  readonly #open: () => Promise<Home>;
  readonly #log: (line: string) => void;
  #current: Promise<Home>;
  #identity: string | undefined;
  /** Connections using each handle; a replaced handle closes when it drops to 0. */
  readonly #users = new Map<Home, number>();
  readonly #retired = new Set<Home>();

  constructor(root: string, home: Home, open: () => Promise<Home>, log: (line: string) => void) {
    this.#root = root;
    this.#open = open;
    this.#log = log;
    this.#current = Promise.resolve(home);
    this.#identity = homeIdentity(root);
  }

  /** Notice a replaced home (cheap: one stat); call once per accepted connection. */
  check(): void {
    const now = homeIdentity(this.#root);
    if (now === undefined || now === this.#identity) return;
    this.#identity = now;
    const before = this.#current;
    this.#current = this.#open().then(async (fresh) => {
      this.#log(`the home was replaced (paired again?): serving it as ${fresh.device.short}`);
      this.#retire(await before);
      return fresh;
    }, (e) => {
      this.#log(`error: the home was replaced and can't be opened: ${(e as Error).message}`);
      this.#identity = undefined; // try again on the next connection
      return before;
    });
  }

  /** Run `fn` with the home to serve now; the handle stays open until it returns. */
  async use<T>(fn: (home: Home) => Promise<T>): Promise<T> {
    const home = await this.#current;
    this.#users.set(home, (this.#users.get(home) ?? 0) + 1);
    try {
      return await fn(home);
    } finally {
      const left = this.#users.get(home)! - 1;
      if (left > 0) this.#users.set(home, left);
      else {
        this.#users.delete(home);
        if (this.#retired.delete(home)) home.close();
      }
    }
  }

  #retire(home: Home): void {
    if ((this.#users.get(home) ?? 0) > 0) this.#retired.add(home);
    else home.close();
  }

  /** Close every handle (the listener has stopped and its connections ended). */
  async close(): Promise<void> {
    const last = await this.#current;
    for (const h of this.#retired) h.close();
    this.#retired.clear();
    last.close();
  }
}
