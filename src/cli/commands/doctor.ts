/**
 * @module doctor
 * `mycel doctor [--json] [--fix]`: every problem with a fix-it hint.
 */

import { ExitCode } from "../../errors.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import type { Finding } from "../doctor.ts";
import { homeRoot, openRead } from "../session.ts";

/** `mycel doctor`. */
export const doctorCommand: CommandSpec = {
  path: ["doctor"],
  summary: "check home, keys, disk, log, clocks, WireGuard, schedule and peers; say how to fix",
  description: "Exit 0 only when all is well. --fix repairs what is safe: file permissions.",
  args: [],
  flags: [JSON_FLAG, { name: "fix", help: "fix file permissions" }],
  async run(ctx, input) {
    const d = await import("../doctor.ts");
    const { systemRunner } = await import("../../mesh/system.ts");
    const fix = input.flags.fix === true;
    const root = homeRoot(ctx);
    const findings: Finding[] = [];
    let store;
    try {
      store = await openRead(ctx);
      findings.push({
        check: "home",
        ok: true,
        detail: `${root} (device ${store.view.member(store.device)?.record.name})`,
      });
      findings.push(...d.checkMembership(store));
    } catch (e) {
      findings.push({
        check: "home",
        ok: false,
        detail: (e as Error).message,
        hint: (e as { hint?: string }).hint,
      });
    }
    if (store) {
      findings.push(await d.checkPermissions(root, fix));
      try {
        await store.keys();
        findings.push({ check: "keys", ok: true, detail: "readable" });
      } catch (e) {
        findings.push({
          check: "keys",
          ok: false,
          detail: (e as Error).message,
          hint: (e as { hint?: string }).hint,
        });
      }
      findings.push(await d.checkDisk(root));
      findings.push(await d.checkLog(store));
      try {
        findings.push(...d.checkHistory(store));
      } catch (e) {
        // A damaged database: the log finding already says to repair it.
        findings.push({
          check: "history",
          ok: false,
          detail: (e as Error).message,
          hint: "Run `mycel repair`.",
        });
      }
      findings.push(...await d.checkWireguard(store, systemRunner));
      findings.push(await d.checkSchedule(systemRunner, ctx.env));
      findings.push(...await d.checkPeers(store, 2000));
    }
    const ok = findings.every((f) => f.ok);
    if (input.flags.json) ctx.out.json({ ok, findings });
    else {
      for (const f of findings) {
        ctx.out.line(`${f.ok ? " ok " : "FAIL"}  ${f.check.padEnd(11)} ${f.detail}`);
        if (!f.ok && f.hint) ctx.out.line(`      ${"".padEnd(11)} hint: ${f.hint}`);
      }
      ctx.out.line(
        ok ? "All is well." : `${findings.filter((f) => !f.ok).length} problem(s) found.`,
      );
    }
    return ok ? ExitCode.ok : ExitCode.failure;
  },
};
