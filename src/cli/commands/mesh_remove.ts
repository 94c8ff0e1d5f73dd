/**
 * @module mesh_remove
 * `mycel mesh remove DEVICE` and `mycel mesh retire DEVICE`: take a device
 * out of the mesh for good, and drop it from this device's WireGuard
 * interface at once when it is up. Both are removals (permanent, refused by
 * every device, a cut no one can widen later: src/log/removals.ts); they
 * differ in what they assume about the machine:
 *
 * - remove: it may be in someone else's hands. Its changes this device
 *   holds stay; whatever else it signed is set aside everywhere.
 * - retire: it is gone for good (lost, wiped, broken) and was ours to the
 *   end. Its changes stay up to the last one any device is known to hold
 *   (this device's own sessions say what each peer holds), so nothing it
 *   wrote before it went is lost, and the entry also says `retired`. It
 *   stops holding back compaction, like any removed device.
 *
 * Either cannot be undone, and names are chosen by each device for itself,
 * so both refuse a name two devices share (listing both), show what they are
 * about to do, and ask on a terminal; elsewhere they need `--yes`.
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { newDiscoveryKeyOp } from "../../mesh/discovery_key.ts";
import { wireguardOnly } from "../../mesh/plan.ts";
import type { Op } from "../../log/ops.ts";
import type { Home } from "../../storage/home_handle.ts";
import { safeText } from "../../text_safety.ts";
import {
  type CommandContext,
  type CommandSpec,
  JSON_FLAG,
  type ParsedInput,
  WRITES,
} from "../command.ts";
import { resolveDevice, type SeenLookup } from "../devices.ts";
import { ago } from "../../human.ts";
import { commitOps, homeRoot, withRead, withWrite } from "../session.ts";
import { meshHome } from "./mesh_home.ts";
import { lazyImport } from "../../lazy_import.ts";

/** When another device was last seen here, for resolving a name (`now` for this device). */
export function seenIn(home: Home, now: number): SeenLookup {
  const books = home.local.peers();
  return { lastSeen: (k) => k === home.device ? now : books.get(k)?.lastSeen, now };
}

type Kind = "remove" | "retire";

const WORDS = {
  remove: { done: "removed", would: "would_remove", noun: "removal", ing: "removing" },
  retire: { done: "retired", would: "would_retire", noun: "retirement", ing: "retiring" },
} as const;

/**
 * The cut of a retirement: the last seq of `key` any device is known to
 * hold, here or as a peer told us in a session (its acknowledgements).
 */
export function heldAnywhere(home: Home, key: Home["device"]): number {
  let upTo = home.log.head(key)?.seq ?? 0;
  for (const book of home.local.peers().values()) upTo = Math.max(upTo, book.heads[key.hex] ?? 0);
  return upTo;
}

async function takeOut(ctx: CommandContext, input: ParsedInput, kind: Kind): Promise<number> {
  const text = input.args.DEVICE as string;
  const action = `${kind} device`;
  const words = WORDS[kind];
  await meshHome(ctx, action);
  const { REJOIN_HINT, removalHere, removalMessage } = await lazyImport<
    typeof import("../removal.ts")
  >(new URL("../removal.ts", import.meta.url));
  const found = await withRead(ctx, (home) => {
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
  const m = found.m, key = m.record.key, id = m.record.id, name = m.record.name;
  if (key === found.self) {
    throw new MycelError("bad_input", action, "it is this device", {
      hint: `Run \`mycel mesh ${kind}\` on another device of the mesh.`,
      exit: ExitCode.usage,
    });
  }
  const upTo = kind === "retire" ? found.known : found.held;
  const lastSeen = found.lastSeen;
  const who = `${safeText(name)} (${key.short}, last seen ${lastSeen})`;
  const report = (status: string) => {
    if (input.flags.json) {
      ctx.out.json({ id, name, status, ...(kind === "retire" ? { keeps_up_to: upTo } : {}) });
    } else ctx.out.line(`${status.replace("_", " ")} ${safeText(name)} (${id})`);
  };
  if (m.removed !== undefined) {
    report("already_removed");
    return ExitCode.ok;
  }
  if (input.flags["dry-run"]) {
    report(words.would);
    return ExitCode.ok;
  }
  if (!input.flags.yes) {
    if (!ctx.stdinIsTerminal) {
      throw new MycelError("needs_confirmation", action, `${words.noun} needs confirmation`, {
        value: safeText(name),
        hint: `Standard input is not a terminal, so mycel cannot ask. To ${kind}\n${who}\n` +
          `for good, run again with --yes (--dry-run shows it without ${words.ing} it).`,
        exit: ExitCode.usage,
      });
    }
    const keeps = kind === "retire"
      ? `  keeps      its changes up to #${upTo}` +
        (upTo > found.held ? ` (this device holds up to #${found.held})` : "") + "\n"
      : "";
    const answer = await ctx.ask(
      `About to ${kind} ${safeText(name)} for good:\n  id         ${id}\n` +
        `  last seen  ${lastSeen}\n${keeps}` +
        `It can come back only by pairing again. ${
          kind === "remove" ? "Remove" : "Retire"
        } it? [y/N] `,
    );
    if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) {
      throw new MycelError("cancelled", action, "not confirmed", {
        value: safeText(name),
        hint: "Nothing was changed.",
      });
    }
  }
  await withWrite(ctx, async (w, home) => {
    if (w.view.member(key)?.removed !== undefined) return;
    const ops: Op[] = kind === "remove"
      // Entries of it that we hold stay valid everywhere; later ones do not.
      ? [{ type: "device.revoke", device: key, upTo: home.log.head(key)?.seq ?? 0 }]
      // Everything of it any device is known to hold stays; the marker says why.
      : [
        { type: "device.revoke", device: key, upTo: Math.max(upTo, heldAnywhere(home, key)) },
        { type: "device.retire", device: key },
      ];
    // A fresh discovery secret in the same entry: the removed device never learns it.
    await commitOps(w, [...ops, newDiscoveryKeyOp(w.view)]);
  }, { create: false });
  report(words.done);
  // A phone's WireGuard app keeps the config it was given: the removed
  // device stays its peer until the config is exported and loaded again.
  const phones = found.phones;
  if (phones.length > 0) {
    ctx.out.error(
      `note: WireGuard-only devices keep the config they were given, which still lists ${
        safeText(name)
      } as a peer: export it again and load it there (${
        phones.map((p) => `\`mycel mesh export-wg ${safeText(p)}\``).join(", ")
      })`,
    );
  }
  // Drop it from this device's WireGuard now, not at the next `mesh up`.
  const { afterRound } = await lazyImport<typeof import("./mesh_after_round.ts")>(
    new URL("./mesh_after_round.ts", import.meta.url),
  );
  const o = { now: ctx.now, env: ctx.env, mesh: "unknown" as const };
  for (const note of await afterRound(homeRoot(ctx), o)) ctx.out.error(note);
  return ExitCode.ok;
}

const FLAGS = (kind: Kind) => [
  { name: "yes", short: "y", help: `${kind} without asking` },
  { name: "dry-run", help: `show which device would be ${WORDS[kind].done}, change nothing` },
  JSON_FLAG,
];

/** `mesh remove` and `mesh retire`. */
export const meshRemoveCommands: CommandSpec[] = [
  {
    path: ["mesh", "remove"],
    summary: "remove a device for good (by name or id prefix); every device then refuses it",
    description:
      "Removal is permanent: no device can re-admit that key. To bring the machine back,\n" +
      "pair it again; it gets a new key. Its changes this device holds stay; anything else it\n" +
      "signed is set aside. For a machine that is simply gone (lost, wiped), `mesh retire`\n" +
      "keeps every change of it any device holds.\n\n" +
      "A name that more than one device uses is refused, and the candidates are listed: give\n" +
      "the id then. On a terminal, mycel shows the device and asks before removing it;\n" +
      "elsewhere it needs --yes.",
    args: [{ name: "DEVICE", help: "device name or id prefix (at least 3 characters)" }],
    flags: FLAGS("remove"),
    examples: ["mycel mesh remove desktop", "mycel mesh remove XZQXXVE --yes"],
    ...WRITES,
    run: (ctx, input) => takeOut(ctx, input, "remove"),
  },
  {
    path: ["mesh", "retire"],
    summary: "retire a machine that is gone for good; it stops holding back compaction",
    description:
      "For a device that will never come back and cannot be asked (lost, wiped, broken),\n" +
      "and was not in anyone else's hands: a removal that keeps its changes up to the last\n" +
      "one any device is known to hold (run `mycel sync now` first to learn the most). Like\n" +
      "a removal it is permanent and every device refuses that key; history every remaining\n" +
      "device holds can then be compacted. If the machine may be in someone else's hands,\n" +
      "use `mesh remove`.\n\n" +
      "Names work as for `mesh remove`; on a terminal mycel asks first, elsewhere it needs\n" +
      "--yes.",
    args: [{ name: "DEVICE", help: "device name or id prefix (at least 3 characters)" }],
    flags: FLAGS("retire"),
    examples: ["mycel mesh retire old-laptop", "mycel mesh retire XZQXXVE --yes --json"],
    ...WRITES,
    run: (ctx, input) => takeOut(ctx, input, "retire"),
  },
];
