/**
 * @module doctor_history
 * `mycel doctor`'s checks of what the state and its peers' sessions say:
 * clock skew (ours, a peer's, stamps run ahead), forks, entries kept aside,
 * a removed device's changes held in our base, and our own removal.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { Home } from "../storage/home_handle.ts";
import { skewBeyondDrift } from "../crdt/hlc.ts";
import { safeText } from "../text_safety.ts";
import { duration, plural } from "../human.ts";
import { REJOIN_HINT, removalHere, removalMessage } from "./removal.ts";
import { heldPastCutIn } from "../sync/acks.ts";
import { deviceLabels } from "./devices.ts";
import { pastCutWhy, seqRange } from "./aside_text.ts";
import type { Finding } from "./doctor.ts";
import { keysDisputed } from "../mesh/plan.ts";

// A removed device's attempts to connect: one more look at what happened to the mesh.
export { checkRemovedTries } from "./removed_tries_view.ts";

/** Clock skew (ours or a peer's), forks, and entries kept aside. */
export function checkHistory(home: Home): Finding[] {
  const out: Finding[] = [];
  const label = deviceLabels(home.view);
  const name = (k: DeviceKey) => label(k.id);
  const skews: { key: DeviceKey; ms: number }[] = [];
  let peers = 0;
  for (const [key, book] of home.local.peers()) {
    if (!book.skewAt || home.view.member(key)?.removed !== undefined) continue;
    peers++;
    const ms = skewBeyondDrift(book.skewMs);
    if (ms !== undefined) skews.push({ key, ms });
  }
  // As `status` says it (24h, not 86400s).
  const secs = (ms: number) => duration(Math.abs(ms));
  // This device's own clock found behind its peers': what also makes its stamps run ahead.
  let ownBehind = false;
  if (
    peers > 0 && skews.length * 2 > peers &&
    skews.every((k) => Math.sign(k.ms) === Math.sign(skews[0].ms))
  ) {
    const way = skews[0].ms > 0 ? "behind" : "ahead of";
    ownBehind = skews[0].ms > 0;
    out.push({
      check: "clock",
      ok: false,
      detail: `this device's clock is about ${secs(skews[0].ms)} ${way} ${skews.length} of ${
        plural(peers, "peer")
      }`,
      hint: "Fix this device's clock (e.g. `timedatectl set-ntp true`).",
    });
  } else {
    for (const k of skews) {
      out.push({
        check: "clock",
        ok: false,
        detail: `${name(k.key)}'s clock is ${secs(k.ms)} ${
          k.ms > 0 ? "ahead of" : "behind"
        } this one`,
        hint: `Fix the clock on ${
          name(k.key)
        } (e.g. enable NTP with \`timedatectl set-ntp true\`).`,
      });
    }
  }
  const ahead = home.stampsAhead();
  if (ahead !== undefined) {
    // Stamps ahead of a clock that is behind now: the clock is what is wrong, not its past.
    // With the clock right now nothing needs doing (the hint says so): a note,
    // which does not fail doctor. A clock behind its peers' does need fixing.
    out.push({
      check: "clock",
      ok: !ownBehind,
      ...(ownBehind ? {} : { note: true as const }),
      detail: `this device's stamps run ${duration(ahead)} ahead of its clock (${
        ownBehind ? "its clock is behind its peers' now" : "it ran with its clock set ahead"
      }): its changes win ties with concurrent changes until time catches up`,
      hint: ownBehind
        ? "Fix this device's clock (e.g. `timedatectl set-ntp true`): stamps never go back, " +
          "so nothing else needs doing."
        : "If the clock is right now, nothing is lost and nothing needs doing: stamps never go " +
          "back, and time catches up with them by itself.",
    });
  }
  if (out.length === 0) {
    out.push({ check: "clock", ok: true, detail: "clocks agree with the peers'" });
  }
  for (const f of home.log.forks()) {
    out.push({
      check: "fork",
      ok: false,
      detail: `${name(f.author)}'s log forked at entry ${f.seq} (both signed entries are kept)`,
      hint: `${
        name(f.author)
      } was probably restored from a backup; re-pair it to give it a fresh key.`,
    });
  }
  for (const a of home.log.asideSummary()) {
    if (a.reason === "fork") continue;
    out.push({
      check: "aside",
      ok: a.reason !== "waiting",
      detail: `${plural(a.count, "entry", "entries")} of ${name(a.author)} (${
        seqRange(a.from, a.to)
      }) kept aside: ${
        a.reason === "past_cut"
          ? pastCutWhy(home.view, home.log, a.author, name)
          : "waiting for earlier entries (or the admission) of their author"
      }`,
      ...(a.reason === "waiting"
        ? {
          hint:
            "Run `mycel sync now`: a peer that holds what they wait for completes them (nothing is folded before).",
        }
        : {}),
    });
  }
  return out;
}

/**
 * Fails for each removed device whose changes past its cut this device's
 * state holds: it started from (or took) a checkpoint made before the
 * removal was known (docs/trust.md, "Limits"). Peers refuse them; only this
 * device shows them, until it re-bases on a clean member's checkpoint; a
 * device pairing through it would take them.
 */
export function checkRemovedBase(home: Home): Finding[] {
  return heldPastCutIn(home).map((h) => ({
    check: "aside",
    ok: false,
    detail:
      `this device's state holds changes of ${
        safeText(h.name)
      } made after it was removed (up to #${h.held}; entries after #${h.cut} are not accepted): ` +
      "they came in a checkpoint taken before the removal was known here",
    hint: "The other devices refuse them, and `mycel mesh add-device` refuses to pair through " +
      "this device. It starts again from a clean device's state by itself at a sync with a " +
      "device that holds everything this one does (`mycel sync now`); if none ever does: remove " +
      "it on another device (`mycel mesh remove`), then pair it again (it gets a new key).",
  }));
}

/**
 * Fails for each device whose keys are disputed (plan.ts `keysDisputed`):
 * admissions of it by other devices disagree, so this device takes none
 * and neither syncs nor tunnels with it. Honest pairings agree, so one
 * admission came from a device not acting for the owner. `doctor`'s peer
 * check has no key to dial it with; this says why it is missing there.
 */
export function checkDisputedKeys(home: Home): Finding[] {
  return home.view.members()
    .filter((m) => m.removed === undefined && m.record.key !== home.device && keysDisputed(m))
    .map((m) => {
      const name = safeText(m.record.name || m.record.key.short);
      return {
        check: "keys-disputed",
        ok: false,
        detail: `admissions of ${name} by other devices disagree on its keys, so this device ` +
          `takes none of them: it neither syncs nor keeps a tunnel with ${name} until ` +
          `${name}'s own first entry announces them`,
        hint: `If ${name} runs mycel, a sync from it (\`mycel sync now\` there) brings that ` +
          `entry, and with it its keys. If ${name} was paired only once, a device that ` +
          "admitted it again was not acting for you: find it (`mycel log` lists each admission " +
          "and its author) and remove it (`mycel mesh remove NAME`) — that stops it, but does " +
          `not end the dispute: only ${name}'s own entry does, and a WireGuard-only device ` +
          "has to be admitted again under a new name (`mycel mesh export-wg NEWNAME`).",
      };
    });
}

/** Fails when this device was removed from its mesh (as it or its peers know). */
export function checkMembership(home: Home): Finding | undefined {
  const removal = removalHere(home.view, home.device, home.local.peers());
  if (removal === undefined) return undefined;
  return {
    check: "membership",
    ok: false,
    detail: safeText(removalMessage(removal)),
    hint: REJOIN_HINT,
  };
}
