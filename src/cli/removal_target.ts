/**
 * @module removal_target
 * The device `mesh remove` or `mesh retire` is asked to take out, and what
 * is known of it here before anything is asked or written: resolved by name
 * or id prefix (a name two devices share is refused), when it was last
 * seen, how much of its log this device holds and how much any device is
 * known to hold (a retirement's cut), and which WireGuard-only devices keep
 * it in their config. A device that knows it was removed itself takes
 * nobody out. Apart from commands/mesh_take_out.ts, which asks and writes.
 */

import { MycelError } from "../errors.ts";
import { ago } from "../human.ts";
import { lazyImport } from "../lazy_import.ts";
import { wireguardOnly } from "../mesh/plan.ts";
import type { Home } from "../storage/home_handle.ts";
import { safeText } from "../text_safety.ts";
import type { CommandContext } from "./command.ts";
import { resolveDevice, type SeenLookup } from "./devices.ts";
import { withRead } from "./session.ts";

/** When another device was last seen here, for resolving a name (`now` for this device). */
export function seenIn(home: Home, now: number): SeenLookup {
  const books = home.local.peers();
  return { lastSeen: (k) => books.get(k)?.lastSeen, now, self: home.device };
}

/**
 * The cut of a retirement: the last seq of `key` any device is known to
 * hold, here or as a peer told us in a session (its acknowledgements).
 */
export function heldAnywhere(home: Home, key: Home["device"]): number {
  let upTo = home.log.head(key)?.seq ?? 0;
  for (const book of home.local.peers().values()) upTo = Math.max(upTo, book.heads[key.hex] ?? 0);
  return upTo;
}

/** The device named by `text` for `action` ("remove device"), with what is known of it here. */
export async function findRemovalTarget(ctx: CommandContext, text: string, action: string) {
  const { REJOIN_HINT, removalHere, removalMessage } = await lazyImport<
    typeof import("./removal.ts")
  >(new URL("./removal.ts", import.meta.url));
  return await withRead(ctx, (home) => {
    // A device that knows it was removed takes nobody out: its removals of
    // devices that removed it would only start a race it loses (trust.md).
    const removal = removalHere(home.view, home.device, home.local.peers());
    if (removal !== undefined) {
      throw new MycelError("removed", action, safeText(removalMessage(removal)), {
        hint: REJOIN_HINT,
      });
    }
    const m = resolveDevice(home.view, text, action, seenIn(home, ctx.now()), true);
    return {
      m,
      self: home.device,
      lastSeen: ago(home.local.peers().get(m.record.key)?.lastSeen, ctx.now()),
      held: home.log.head(m.record.key)?.seq ?? 0,
      known: heldAnywhere(home, m.record.key),
      phones: home.view.members().filter((x) =>
        x.removed === undefined && x.record.key !== m.record.key && wireguardOnly(x)
      ).map((x) => x.record.name),
    };
  });
}
