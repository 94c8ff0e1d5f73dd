/**
 * @module log_aside
 * How `mycel log` tells entries kept aside and never applied: a removed
 * device's past the cut of its removal (a stolen phone's `pref set` after
 * it was removed), the other branch of a fork, ones waiting for their
 * admission. They are no history (nothing they say took effect, and they
 * differ between devices that hold the same state), so the log leaves them
 * out but says, per device, how many there are; `--aside` shows them in
 * place, each marked. Before, the log never showed them at all: the owner
 * of a stolen phone could not see what it tried to change.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { AsideReason } from "../log/ingest.ts";
import type { Home } from "../storage/home_handle.ts";
import { plural } from "../human.ts";
import { safeText } from "../text_safety.ts";
import { seqRange } from "./aside_text.ts";

const WHY: Record<AsideReason, string> = {
  past_cut: "past the cut of its removal",
  fork: "the other branch of a fork",
  waiting: "waiting for earlier entries or its admission",
};

/** The mark after an entry kept aside: "(set aside: past the cut of its removal, not applied)". */
export function asideMark(reason: AsideReason): string {
  return `(set aside: ${WHY[reason]}, not applied)`;
}

/**
 * One line per device and reason of what is kept aside (of `only`, when
 * given): "(phone: 1 entry set aside, not applied (#4; past the cut of its
 * removal): `mycel log --aside` shows it)". Names escaped here.
 */
export function asideNotes(
  home: Home,
  only: DeviceKey | undefined,
  who: (key: DeviceKey) => string,
): string[] {
  return home.log.asideSummary()
    .filter((a) => only === undefined || a.author === only)
    .map((a) =>
      `(${safeText(who(a.author))}: ${
        plural(a.count, "entry", "entries")
      } set aside, not applied (${seqRange(a.from, a.to)}; ${WHY[a.reason]}): ` +
      "`mycel log --aside` shows " + (a.count === 1 ? "it)" : "them)")
    );
}
