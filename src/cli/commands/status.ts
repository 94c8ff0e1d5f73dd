/**
 * @module status
 * `mycel status`: this device, its mesh, the state digest and a table of its
 * peers (as `tailscale status` shows them), with clock skew in either
 * direction — a device whose clock is off hears it too. The document it
 * shows: ../status_json.ts; the peer table: ../status_table.ts.
 */

import { isMycelError } from "../../errors.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { ago, duration, msOf, plural } from "../../human.ts";
import { refusalInLocalTime, removalHere, removalJson, removalMessage } from "../removal.ts";
import { withRead } from "../session.ts";
import { statusJson } from "../status_json.ts";
import { peerTable } from "../status_table.ts";
import { deviceLabels } from "../devices.ts";
import { lazyImport } from "../../lazy_import.ts";
import { removedTried, triedText } from "../removed_tries_view.ts";

/** A clock measurement older than this (ms) is said with its age. */
const STALE_SKEW_MS = 3600_000;

/** `mycel status [--json]`. */
export const statusCommand: CommandSpec = {
  path: ["status"],
  summary: "show this device, its mesh, the state digest and its peers",
  description: "One line per peer: name, short id, mesh IPv4, the route of the last sync\n" +
    "(direct, mesh or discovered when this device dialled it; tcp or stdio when it dialled\n" +
    "this device's `sync serve`; pairing when one of the two paired the other and no sync\n" +
    "came since; `relayed via NAME` when its changes last came through another device, not\n" +
    "from itself), when it last synced, how many entries it lacked\n" +
    "then, and its state (ok, never synced, wireguard only for a device made by\n" +
    "`mesh export-wg`, or how the last attempt failed; details below the table).",
  args: [],
  flags: [JSON_FLAG],
  ...LOCAL,
  async run(ctx, input) {
    const { st, removal, name, tried } = await withRead(ctx, async (home) => {
      const st = await statusJson(home, ctx.now(), ctx.signal);
      // Two devices may share a name: lines below the table then say which (short id).
      const name = deviceLabels(home.view);
      // A removed device (a stolen phone) still trying to sync with this one.
      const tried = removedTried(home).map((t) => triedText(home.view, t, ctx.now()));
      return { st, removal: removalHere(home.view, home.device, home.local.peers()), name, tried };
    });
    // Where the private keys are kept (no secret read); null when the key file is unreadable.
    const { keysWhere } = await lazyImport<typeof import("../key_where.ts")>(
      new URL("../key_where.ts", import.meta.url),
    );
    const keys = await keysWhere(st.home, ctx.env, true, ctx.signal).catch((e: Error) => e);
    if (isMycelError(keys, "sync_interrupted")) throw keys; // Ctrl-C: not "keys unknown"
    if (input.flags.json) {
      // What the text's red note says (its state, or peers refusing it as removed).
      const removed = removalJson(removal);
      ctx.out.json({ ...st, keys: keys instanceof Error ? null : keys, removed });
      return 0;
    }
    const c = st.counts;
    const out = ctx.out;
    const now = ctx.now();
    out.line(`device  ${safeText(st.device.name)} (${st.device.id})`);
    out.line(
      `mesh    ${st.mesh.id} · ${plural(st.mesh.devices, "device")}` +
        (st.mesh.revoked ? ` · ${st.mesh.revoked} removed` : ""),
    );
    out.line(`home    ${safeText(st.home)}`);
    out.line(
      `keys    ${
        safeText(keys instanceof Error ? `unreadable: ${keys.message}` : keys.description)
      }`,
    );
    // Plain private keys others can read: said here too, not only by doctor.
    const keyMode = keys instanceof Error || keys.store !== "file"
      ? undefined
      : await Deno.stat(keys.path).then((i) => (i.mode ?? 0) & 0o777, () => undefined);
    if (keyMode !== undefined && (keyMode & 0o077) !== 0) {
      out.line([
        "        ",
        {
          text: `the key file is readable by other users (mode ${
            keyMode.toString(8).padStart(4, "0")
          }): run \`mycel doctor --fix\``,
          tone: "red",
        },
      ]);
    }
    out.line(
      `address ${st.device.ipv4} ${st.device.ipv6}` +
        (st.mesh.unanswered
          ? ` on ${st.mesh.interface} (unknown: ${st.mesh.unanswered}; ` +
            `\`mycel mesh down\` then \`mesh up\` restarts it)`
          : st.mesh.interface
          ? ` on ${st.mesh.interface}`
          : st.mesh.gone
          ? ` (mesh down: ${st.mesh.gone} is gone; run \`mycel mesh up\`)`
          : " (mesh down)"),
    );
    out.line(
      `state   ${plural(c.preferences, "preference")} · ${plural(c.config, "config key")} · ` +
        `${plural(c.apps, "app")} · ${plural(c.patterns, "pattern")}`,
    );
    out.line(`log     ${logLine(st.log)}`);
    out.line(`digest  ${st.state_digest}`);
    if (removal) out.line(["note    ", { text: safeText(removalMessage(removal)), tone: "red" }]);
    out.line();
    if (st.peers.length === 0) out.line("No peers yet: add one with `mycel pair`.");
    else for (const l of peerTable(st.peers, now)) out.line(l);
    for (const p of st.peers.filter((p) => p.last_error)) {
      out.line(`  ${name(p.id)}: ${safeText(refusalInLocalTime(p.last_error!))}`);
    }
    for (const t of tried) out.line([{ text: `${t} (mycel doctor says more)`, tone: "red" }]);
    for (const f of st.forks) {
      out.line(
        `fork: ${name(f.author)}'s log has two entries ${f.seq}: kept ${f.kept.slice(0, 12)}, ` +
          `set aside ${f.other.slice(0, 12)} (${ago(msOf(f.at), now)})`,
      );
    }
    // A stopped folder (an unmounted disk): one line, with what to do.
    for (const f of st.stopped_folders) {
      out.line([
        `folder: ${f.id} at ${safeText(f.path)} `,
        { text: "stopped", tone: "red" },
        `: ${safeText(f.stopped)}${f.hint ? ` ${f.hint}` : ""}`,
      ]);
    }
    if (st.stamps_ahead_ms !== null) {
      out.line([
        "clock: ",
        {
          // Stamps ahead of a clock that is behind now: the clock is what is wrong, not its past.
          text: `this device's stamps run ${duration(st.stamps_ahead_ms)} ahead of its clock (${
            st.clock?.verdict === "behind"
              ? "its clock is behind its peers' now"
              : "it ran with its clock set ahead"
          })`,
          tone: "red",
        },
        "; its changes win ties with concurrent ones until time catches up",
      ]);
    }
    if (st.clock !== null) {
      // Evidence from sessions only: an hour on, say how old it is (a clock
      // fixed since read "seems 2h behind" for days, until the next sync).
      const at = msOf(st.clock.measured_at) ?? now;
      const old = now - at > STALE_SKEW_MS;
      const off = `${duration(st.clock.by_ms)} ${
        st.clock.verdict === "behind" ? "behind" : "ahead of"
      } its peers`;
      out.line([
        "clock: ",
        {
          text: old
            ? `this device's clock seemed ${off} when last measured, ${ago(at, now)}`
            : `this device's clock seems ${off}`,
          tone: "red",
        },
        " (fix it: ties between concurrent changes are decided by time)",
      ]);
    } else {
      for (const k of st.clock_skew) {
        const at = msOf(k.at) ?? now;
        out.line(
          `skew: ${name(k.device)}'s clock ${now - at > STALE_SKEW_MS ? "was" : "is"} ${
            duration(Math.abs(k.skew_ms))
          } ${k.skew_ms > 0 ? "ahead of" : "behind"} this one's${
            now - at > STALE_SKEW_MS ? ` when last measured, ${ago(at, now)}` : ""
          }`,
        );
      }
    }
    return 0;
  },
};

/**
 * The log line: entries stored here, of how many the devices made (their
 * heads), when a checkpoint holds the rest (compacted, or a new device's
 * start): "0 entries from 1 device" read as if nothing had been written.
 */
function logLine(log: { entries: number; heads: Record<string, { seq: number }> }): string {
  const heads = Object.values(log.heads);
  const made = heads.reduce((n, h) => n + h.seq, 0);
  const devices = plural(heads.length, "device");
  if (log.entries >= made) return `${plural(log.entries, "entry", "entries")} from ${devices}`;
  return `${log.entries} of ${plural(made, "entry", "entries")} from ${devices} ` +
    `(${made - log.entries} held as a checkpoint)`;
}
