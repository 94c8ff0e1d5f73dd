/**
 * @module removed_tries_view
 * How `mesh list`, `doctor` and `status --json` tell the owner that a
 * removed device (a stolen phone) still tries to sync with this device:
 * what src/sync/removed_tries.ts counted, one wording for all of them.
 * Before, only `sync serve`'s own output said so.
 */

import { shortDeviceId } from "../log/device_id.ts";
import type { StateView } from "../log/state.ts";
import type { Home } from "../storage/home_handle.ts";
import { ago, plural } from "../human.ts";
import { safeText } from "../text_safety.ts";
import type { Finding } from "./doctor.ts";
import { isoTime, type TriedJson } from "./json_types.ts";

/** One removed device's attempts, as counted here. */
export interface RemovedTried {
  id: string;
  name: string;
  count: number;
  at: number;
  from: string;
}

/** The removed devices that tried to sync with this one since, by id. */
export function removedTried(home: Home): RemovedTried[] {
  const all = home.local.get("removedTries") ?? {};
  const out: RemovedTried[] = [];
  for (const m of home.view.members()) {
    const t = all[m.record.key.hex];
    // Only while it stays removed (a record of the same key admitted again is moot).
    if (t === undefined || m.removed === undefined) continue;
    out.push({ id: m.record.id, name: m.record.name, count: t.count, at: t.at, from: t.from });
  }
  return out.sort((a, b) => b.at - a.at);
}

/** Its `--json` form. */
export function triedJson(t: RemovedTried): TriedJson {
  return { count: t.count, last_at: isoTime(t.at)!, from: t.from };
}

/**
 * "phone, removed, tried to connect 12 times, last 3m ago from HOST:PORT":
 * the name escaped, with its short id when another device has that name
 * (its replacement, paired under the same name, often does).
 */
export function triedText(view: StateView, t: RemovedTried, now: number): string {
  const twin = view.members().some((m) => m.record.id !== t.id && m.record.name === t.name);
  const name = t.name === ""
    ? shortDeviceId(t.id)
    : twin
    ? `${safeText(t.name)} (${shortDeviceId(t.id)})`
    : safeText(t.name);
  return `${name}, removed, tried to connect ${plural(t.count, "time")}, last ${
    ago(t.at, now)
  } from ${safeText(t.from)}`;
}

/** What a reader should make of it (doctor's hint, mesh list's last line). */
export const TRIED_MEANS = "It was refused each time and nothing it sent was taken: nothing " +
  "needs doing here. Each attempt proved the device's key, unless it replayed a message of the " +
  "device captured on the network earlier. If the device is yours " +
  "again, pair it anew (`mycel mesh add-device`).";

/** `doctor`: a note per removed device that tried to connect (nothing fails: it was refused). */
export function checkRemovedTries(home: Home, now: number): Finding[] {
  return removedTried(home).map((t) => ({
    check: "removed-tries",
    ok: true,
    note: true as const,
    detail: triedText(home.view, t, now),
    hint: TRIED_MEANS,
  }));
}
