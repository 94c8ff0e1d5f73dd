/**
 * @module doctor
 * `mycel doctor [--json] [--fix]`: every problem with a fix-it hint. Each
 * finding is printed as soon as it is known (peers are tried at once, and
 * each prints when its answer comes), " ok " in green and "FAIL" in red on a
 * terminal.
 */

import { ExitCode, isMycelError } from "../../errors.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import type { Finding } from "../doctor.ts";
import { plural } from "../../human.ts";
import type { Output } from "../output.ts";
import { homeRoot, openRead } from "../session.ts";
import { lazyImport } from "../../lazy_import.ts";

function printFinding(out: Output, f: Finding): void {
  out.line([
    f.note
      ? { text: "note", tone: "yellow" }
      : f.ok
      ? { text: " ok ", tone: "green" }
      : { text: "FAIL", tone: "red" },
    `  ${f.check.padEnd(11)} ${f.detail}`,
  ]);
  if ((!f.ok || f.note) && f.hint) out.line(`      ${"".padEnd(11)} hint: ${f.hint}`);
}

function failed(e: unknown, check: string): Finding {
  if (isMycelError(e, "sync_interrupted")) throw e; // Ctrl-C ends doctor (130), not a check
  return {
    check,
    ok: false,
    detail: safeText((e as Error).message),
    hint: (e as { hint?: string }).hint,
  };
}

/** `mycel doctor`. */
export const doctorCommand: CommandSpec = {
  path: ["doctor"],
  summary:
    "check home, keys, disk, log, clocks, folders, WireGuard, schedule and peers; say how to fix",
  description:
    "Exit 0 only when all is well: a FAIL line makes it 1, a note (worth knowing, nothing\n" +
    "to do) does not. --fix repairs what is safe: file permissions, and deletes the private\n" +
    "keys of removed WireGuard-only devices left in the home. A device removed from\n" +
    "its mesh fails. With --no-sync, peers are not contacted.",
  args: [],
  flags: [JSON_FLAG, {
    name: "fix",
    help: "fix file permissions; delete removed WireGuard-only devices' keys",
  }],
  globals: ["home", "no-sync"],
  exits: [0, 1, 2, 130],
  async run(ctx, input) {
    const d = await lazyImport<typeof import("../doctor.ts")>(
      new URL("../doctor.ts", import.meta.url),
    );
    const h = await lazyImport<typeof import("../doctor_history.ts")>(
      new URL("../doctor_history.ts", import.meta.url),
    );
    const n = await lazyImport<typeof import("../doctor_network.ts")>(
      new URL("../doctor_network.ts", import.meta.url),
    );
    const f = await lazyImport<typeof import("../doctor_folders.ts")>(
      new URL("../doctor_folders.ts", import.meta.url),
    );
    const { systemRunner } = await lazyImport<typeof import("../../mesh/system.ts")>(
      new URL("../../mesh/system.ts", import.meta.url),
    );
    const fix = input.flags.fix === true;
    const json = input.flags.json === true;
    const root = homeRoot(ctx);
    const findings: Finding[] = [];
    const found = (f: Finding) => {
      findings.push(f);
      if (!json) printFinding(ctx.out, f);
    };
    let store;
    try {
      store = await openRead(ctx);
      const name = safeText(store.view.member(store.device)?.record.name ?? "");
      found({ check: "home", ok: true, detail: `${root} (device ${name})` });
    } catch (e) {
      found(failed(e, "home"));
    }
    if (store) {
      await store.snapshot(() => {}); // fail early on a home that cannot be read
      found(await d.checkPermissions(root, fix));
      const { checkRemovedDeviceKeys } = await lazyImport<
        typeof import("../doctor_wg_devices.ts")
      >(new URL("../doctor_wg_devices.ts", import.meta.url));
      (await checkRemovedDeviceKeys(store, fix)).forEach(found);
      // Where the keys are kept, and that they can be read from there.
      const { keysWhere } = await lazyImport<typeof import("../key_where.ts")>(
        new URL("../key_where.ts", import.meta.url),
      );
      const where = await keysWhere(root, ctx.env, true, ctx.signal).then(
        (k) => k.description,
        (e) => {
          if (isMycelError(e, "sync_interrupted")) throw e; // Ctrl-C ends doctor
          return "";
        },
      );
      try {
        await store.keys();
        found({ check: "keys", ok: true, detail: where || "readable" });
      } catch (e) {
        if (isMycelError(e, "sync_interrupted")) throw e; // Ctrl-C at the passphrase prompt
        const f = failed(e, "keys");
        found({ ...f, detail: where ? `${safeText(where)}: ${f.detail}` : f.detail });
      }
      found(await d.checkDisk(root, ctx.signal));
      found(await d.checkLog(store));
      try {
        h.checkHistory(store).forEach(found);
        h.checkRemovedBase(store).forEach(found);
        h.checkRemovedTries(store, ctx.now()).forEach(found);
      } catch (e) {
        // A damaged database: the log finding already says to repair it.
        found({ ...failed(e, "history"), hint: "Run `mycel repair`." });
      }
      try {
        f.checkChunkKeys(store).forEach(found);
        f.checkFolderMarkers(store).forEach(found);
        f.checkNotWritten(store).forEach(found);
      } catch (e) {
        found({ ...failed(e, "chunk-key"), hint: "Run `mycel repair`." }); // as above
      }
      // Each tool under its deadline, killed on Ctrl-C: a hung `wg` or
      // `systemctl` fails its check by name and doctor goes on.
      const runner = systemRunner({ signal: ctx.signal });
      try {
        (await n.checkWireguard(store, runner)).forEach(found);
      } catch (e) {
        found(failed(e, "wireguard"));
      }
      try {
        found(await d.checkSchedule(runner, ctx.env));
      } catch (e) {
        found(failed(e, "schedule"));
      }
      const membership = h.checkMembership(store);
      if (membership) found(membership);
      h.checkDisputedKeys(store).forEach(found);
      if (!ctx.offline) {
        // Printed as each answers; listed in --json in the mesh's order.
        const peers = await n.checkPeers(
          store,
          2000,
          (f) => json || printFinding(ctx.out, f),
          runner,
        );
        findings.push(...peers);
      }
    }
    store?.close();
    const problems = findings.filter((f) => !f.ok).length;
    const notes = findings.filter((f) => f.note).length;
    if (json) ctx.out.json({ ok: problems === 0, findings });
    else if (problems > 0) ctx.out.line(`${plural(problems, "problem")} found.`);
    else ctx.out.line(notes > 0 ? `All is well (${plural(notes, "note")} above).` : "All is well.");
    return problems === 0 ? ExitCode.ok : ExitCode.failure;
  },
};
