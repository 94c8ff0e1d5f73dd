/**
 * @module mesh_take_out
 * How `mesh remove` and `mesh retire` take a device out once it is found
 * (../removal_target.ts): report it already removed, or what --dry-run would
 * do; otherwise ask on a terminal (elsewhere --yes is needed: neither can be
 * undone), commit the revocation (a retirement's cut is the most any device
 * is known to hold) with a fresh discovery secret, then say which
 * WireGuard-only devices still list it and drop it from this device's
 * WireGuard at once. Apart from mesh_remove.ts, which says what the two
 * commands mean.
 */

import { ExitCode, interruptedError, MycelError } from "../../errors.ts";
import { lazyImport } from "../../lazy_import.ts";
import type { Op } from "../../log/ops.ts";
import { newDiscoveryKeyOp } from "../../mesh/discovery_key.ts";
import { safeText } from "../../text_safety.ts";
import type { CommandContext, ParsedInput } from "../command.ts";
import { meshHome } from "./mesh_home.ts";
import { findRemovalTarget, heldAnywhere } from "../removal_target.ts";
import { commitOps, homeRoot, withRead, withWrite } from "../session.ts";

/** Which way a device is taken out (see mesh_remove.ts). */
export type Kind = "remove" | "retire";

/** The words each way is told with. */
export const WORDS = {
  remove: { done: "removed", would: "would_remove", noun: "removal", ing: "removing" },
  retire: { done: "retired", would: "would_retire", noun: "retirement", ing: "retiring" },
} as const;

/** Take the device named by the DEVICE argument out, `kind` as the command says. */
export async function takeOut(
  ctx: CommandContext,
  input: ParsedInput,
  kind: Kind,
): Promise<number> {
  const text = input.args.DEVICE as string;
  const action = `${kind} device`;
  const words = WORDS[kind];
  await meshHome(ctx, action);
  const found = await findRemovalTarget(ctx, text, action);
  const m = found.m, key = m.record.key, id = m.record.id, name = m.record.name;
  if (key === found.self) {
    throw new MycelError("bad_input", action, "it is this device", {
      value: `${safeText(name)}, ${key.short}`,
      hint: `Run \`mycel mesh ${kind}\` on another device of the mesh.`,
      exit: ExitCode.usage,
    });
  }
  const upTo = kind === "retire" ? found.known : found.held;
  const lastSeen = found.lastSeen;
  const who = `${safeText(name)} (${key.short}, last seen ${lastSeen})`;
  // What of it stays valid (the cut), said with every answer: an owner taking a
  // stolen device out wants to know which of its changes are kept.
  const report = (status: string, cut: number) => {
    if (input.flags.json) ctx.out.json({ id, name, status, keeps_up_to: cut });
    else {
      ctx.out.line(`${status.replace("_", " ")} ${safeText(name)} (${id})`);
      if (status !== "already_removed") ctx.out.line(keptLine(kind, cut, status === words.done));
    }
  };
  if (m.removed !== undefined) {
    report("already_removed", m.removed.cut);
    return ExitCode.ok;
  }
  if (input.flags["dry-run"]) {
    report(words.would, upTo);
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
      ctx.signal,
    );
    // Ctrl-C at the question: 130 at once, and said (not a silent 3 s wait).
    if (ctx.signal.aborted) {
      throw interruptedError(action, { value: safeText(name), hint: "Nothing was changed." });
    }
    if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) {
      throw new MycelError("cancelled", action, "not confirmed", {
        value: safeText(name),
        hint: "Nothing was changed.",
      });
    }
  }
  let keeps = upTo;
  await withWrite(ctx, async (w, home) => {
    const already = w.view.member(key)?.removed;
    if (already !== undefined) return void (keeps = already.cut);
    keeps = kind === "remove"
      ? home.log.head(key)?.seq ?? 0
      : Math.max(upTo, heldAnywhere(home, key));
    // Removed: the entries of it we hold stay valid everywhere, later ones do
    // not. Retired: everything any device is known to hold; the marker says why.
    const ops: Op[] = [
      { type: "device.revoke", device: key, upTo: keeps },
      ...(kind === "retire" ? [{ type: "device.retire" as const, device: key }] : []),
    ];
    // A fresh discovery secret in the same entry: the removed device never learns it.
    await commitOps(w, [...ops, newDiscoveryKeyOp(w.view)]);
  }, { create: false });
  // A phone made here: its private key has no use left (no config of it is
  // printed again). Only this device's own removal takes it; one taken in
  // from a peer may stop counting (src/storage/wg_device_keys.ts). Once
  // committed, so a failed write keeps it; a failure here is doctor's to name.
  await withRead(ctx, async (home) => {
    const { dropRemovedKeys } = await lazyImport<
      typeof import("../../storage/wg_device_keys.ts")
    >(new URL("../../storage/wg_device_keys.ts", import.meta.url));
    await dropRemovedKeys(home.paths.root, home.view, home.device).catch(() => {});
  });
  report(words.done, keeps);
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
  const o = { now: ctx.now, env: ctx.env, mesh: "unknown" as const, signal: ctx.signal };
  for (const note of await afterRound(homeRoot(ctx), o)) ctx.out.error(note);
  return ExitCode.ok;
}

/** What stays of a device taken out, and how to replace it. */
function keptLine(kind: Kind, upTo: number, done: boolean): string {
  const held = kind === "remove"
    ? "all this device holds of it"
    : "all any device is known to hold";
  return `${done ? "keeps" : "would keep"} its changes up to #${upTo} (${held}); any later ` +
    "ones are set aside on the devices that get them. To replace it, pair the new device: " +
    "`mycel mesh add-device`";
}
