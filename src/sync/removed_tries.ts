/**
 * @module removed_tries
 * What this device notes of a removed device that still tries to sync with
 * it (a stolen phone, removed, that runs `sync now`, `mesh rename`, …): a
 * count and the last time and address, per removed device, local and never
 * replicated (LocalRecords.removedTries), so the owner hears of it in `mesh
 * list`, `doctor` and `status --json`, not only in `sync serve`'s output.
 *
 * An attempt counts when the first handshake message decrypted under the
 * removed device's static key (only its holder makes one) and is not a
 * replay. `--listen` tells replays by a memory of its own
 * (src/transport/replay_guard.ts), not the members': that one forgets its
 * oldest keys past its cap, so a removed device's attempts in it would push
 * members' first messages out, and a replay of one would be answered again
 * (found by a review). `--stdio` uses the home's first_messages table,
 * forgotten by age only, where this adds at most a row a minute. A message
 * of the device captured on the network counts again when that memory
 * lacks it: never delivered here, delivered before this `sync serve
 * --listen` started (its memory is the process's; a restart lets each
 * captured message count once more, written at most once a minute to a
 * local count: not worth a table), pushed out by
 * {@link MAX_KEPT} later attempts of removed devices, or over a day ago (`--stdio`); whoever
 * replays it, a stranger on the path too, then costs what the device's
 * attempt costs (at most one write a minute). Strangers without such a
 * message never get here (their keys are no member's, removed or not):
 * they cost no disk write.
 *
 * A flood of attempts costs bounded writes: the record is written at most
 * once per {@link WRITE_EVERY_MS}, whatever the number of removed devices
 * (per device, a member that admitted and removed made-up devices and then
 * dialled as each made N writes a minute, each of the whole record). The
 * listener adds up the attempts in between and writes them when that minute
 * is over (or when it stops); a `--stdio` process serves one connection and
 * cannot, so there an attempt within a minute of the last one counted (of
 * any removed device) is not counted: the count is a lower bound, and the
 * last time is at most a minute early.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalRecords } from "../storage/sql_local.ts";
import { MAX_KEPT, ReplayGuard } from "../transport/replay_guard.ts";

/** Shortest time between two writes of one removed device's record (ms). */
export const WRITE_EVERY_MS = 60_000;

/** Where a responder notes a removed device's attempt (see the module comment). */
export interface RemovedTries {
  /** Note an attempt of `peer` whose first message had ephemeral key `ephemeral`. */
  note(home: Home, peer: DeviceKey, ephemeral: Uint8Array, from: string): Promise<void>;
}

type Tries = LocalRecords["removedTries"];

/** `all` with `t.count` more attempts of `peer`, the last at `t.at` from `t.from`. */
function addTries(
  all: Tries | undefined,
  peer: DeviceKey,
  t: { count: number; at: number; from: string },
): Tries {
  const had = all?.[peer.hex];
  return {
    ...all,
    [peer.hex]: {
      count: (had?.count ?? 0) + t.count,
      at: Math.max(had?.at ?? 0, t.at),
      from: had !== undefined && had.at > t.at ? had.from : t.from,
    },
  };
}

/**
 * `--stdio`: one connection per process; at most one counted a minute, in
 * the transaction that takes its first message (one write).
 */
export const stdioTries: RemovedTries = {
  async note(home, peer, ephemeral, from) {
    const now = home.now();
    // Of any removed device: one write a minute in all (module comment).
    const recent = (all: Tries | undefined) =>
      Object.values(all ?? {}).some((had) => now - had.at < WRITE_EVERY_MS && now >= had.at);
    if (recent(home.local.get("removedTries"))) return;
    // Asked again inside the transaction: processes of connections opened
    // at once all read "none this minute" before any wrote, and each wrote.
    // Throwing rolls the first message's row back too: nothing is written.
    await home.takeFirstMessage(ephemeral, (local) => {
      const all = local.get("removedTries");
      if (recent(all)) throw new Error("counted this minute by another process");
      local.set("removedTries", addTries(all, peer, { count: 1, at: now, from }));
    });
  },
};

/** `--listen`: attempts added up in memory, written at most once a minute (all devices at once). */
export class ListenerTries implements RemovedTries, AsyncDisposable {
  readonly #replays: ReplayGuard;
  readonly #pending = new Map<
    string,
    { peer: DeviceKey; count: number; at: number; from: string }
  >();
  #written?: number;
  #timer?: ReturnType<typeof setTimeout>;
  #home?: Home;
  #writes = new Set<Promise<void>>();

  /** `kept`: removed devices' first messages remembered (a small one in tests). */
  constructor(kept = MAX_KEPT) {
    // Its own memory, never the members' (module comment).
    this.#replays = new ReplayGuard(kept);
  }

  async note(home: Home, peer: DeviceKey, ephemeral: Uint8Array, from: string): Promise<void> {
    if (!this.#replays.admit(ephemeral)) return;
    this.#home = home;
    const now = home.now();
    const p = this.#pending.get(peer.hex) ?? { peer, count: 0, at: now, from };
    this.#pending.set(peer.hex, { peer, count: p.count + 1, at: now, from });
    const last = this.#written;
    if (last === undefined || now - last >= WRITE_EVERY_MS || now < last) {
      return await this.#flush();
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, last + WRITE_EVERY_MS - now);
  }

  /** Write what is pending, of every device, at once; a write that fails is dropped (only a count). */
  #flush(): Promise<void> {
    const pending = [...this.#pending.values()];
    const home = this.#home;
    if (pending.length === 0 || home === undefined) return Promise.resolve();
    this.#pending.clear();
    this.#written = home.now();
    // Read inside the transaction: another process may have written since.
    const write = home.write((w) =>
      w.setLocal(
        "removedTries",
        pending.reduce((all, p) => addTries(all, p.peer, p), home.local.get("removedTries")),
      )
    )
      .then(() => {}, () => {})
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
    return write;
  }

  /** The listener stops: what is pending is written now. */
  async [Symbol.asyncDispose](): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
    await Promise.all([...this.#writes]);
  }
}
