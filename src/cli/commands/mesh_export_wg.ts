/**
 * @module mesh_export_wg
 * `mycel mesh export-wg [DEVICE]`: a wg-quick config (and QR) for this
 * device, or for a WireGuard-only device (a phone) admitted by it; the work
 * is export_wg.ts's, this is the command's spelling, help and output.
 */

import { ExitCode, usageError } from "../../errors.ts";
import { type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { safeText } from "../../text_safety.ts";
import { withMeshHome } from "./mesh_home.ts";
import { homeRoot } from "../session.ts";
import { lazyImport } from "../../lazy_import.ts";
import type { ExportWgJson } from "../json_types.ts";

/** The `mesh export-wg` command. */
export const exportWgCommand: CommandSpec = {
  path: ["mesh", "export-wg"],
  summary: "print a wg-quick config (and QR) for a device whose WireGuard is managed elsewhere",
  description: "Without DEVICE: this device's own config (for wg-quick instead of `mesh up`).\n" +
    "With a new NAME: admits a WireGuard-only device (e.g. a phone running the WireGuard\n" +
    "app) and prints its config; scan it with --qr. This device's interface, when up,\n" +
    "takes it as a peer at once; other devices at their next round. Its private key is\n" +
    "kept in this home (wg-devices/, 0600) so the config can be printed again here, as\n" +
    "it changes when devices come, go or move; `mesh remove` of it here overwrites and\n" +
    "deletes the key. A removal by another device keeps it (removals can race and one\n" +
    "may stop counting): `mycel doctor` names it, `doctor --fix` deletes it.\n\n" +
    "With --json: one object, {device, name, addresses: {ipv4, ipv6}, admitted (true when\n" +
    "this run admitted it), interface (this device's WireGuard interface that took it as a\n" +
    "peer in this run, else null), config (the wg-quick text)}. The config holds the\n" +
    "device's WireGuard private key, as the text output does: the device needs it and\n" +
    "nothing else gives it one; treat the output as a secret. The QR is text only\n" +
    "(--qr and --json do not go together).",
  args: [{
    name: "DEVICE",
    help: "a WireGuard-only device name (new or made here before)",
    optional: true,
  }],
  flags: [{ name: "qr", help: "also print the config as a QR code (not with --json)" }, {
    ...JSON_FLAG,
    help: "print the config and the device's id, name and addresses as JSON",
  }],
  ...WRITES,
  async run(ctx, input) {
    const json = input.flags.json === true;
    if (json && input.flags.qr) {
      throw usageError("run mycel mesh export-wg", "--qr and --json do not go together", {
        hint: "The QR is for a terminal; --json gives the config text, which a QR tool can " +
          "encode.",
      });
    }
    const { exportWg } = await lazyImport<typeof import("../export_wg.ts")>(
      new URL("../export_wg.ts", import.meta.url),
    );
    const name = input.args.DEVICE as string | undefined;
    const action = "export WireGuard config";
    // This device's config, or a device's made here before, only reads
    // the home (so it works on a read-only one); a new name admits a device.
    const known = await withMeshHome(
      ctx,
      action,
      (home) =>
        name === undefined || home.view.members().some((m) => m.record.name === name)
          ? exportWg(home, name)
          : Promise.resolve(undefined),
      { write: false },
    );
    const { text, warnings, device } = known ??
      await withMeshHome(ctx, action, (home) => exportWg(home, name));
    for (const w of warnings) ctx.out.error(`warning: ${w}`);
    if (!json) ctx.out.write(text);
    if (input.flags.qr) {
      const { renderQr } = await lazyImport<typeof import("../qr.ts")>(
        new URL("../qr.ts", import.meta.url),
      );
      ctx.out.line(renderQr(text));
    }
    let peerOn: string | undefined;
    if (known === undefined) {
      // A new device: this device's interface takes it as a peer now, as
      // `mesh remove` drops one; before, the phone's handshakes went
      // unanswered here until the next `mesh up`.
      const { afterRound } = await lazyImport<typeof import("./mesh_after_round.ts")>(
        new URL("./mesh_after_round.ts", import.meta.url),
      );
      const o = {
        now: ctx.now,
        env: ctx.env,
        mesh: "unknown" as const,
        pending: `${safeText(name!)} is not its peer (its tunnel to this device stays dead)`,
        applied: (ifname: string) => peerOn = ifname,
        signal: ctx.signal,
      };
      for (const note of await afterRound(homeRoot(ctx), o)) ctx.out.error(note);
    }
    if (json) {
      const doc: ExportWgJson = {
        device: device.id,
        name: device.name,
        addresses: device.addresses,
        admitted: known === undefined,
        interface: peerOn ?? null,
        config: text,
      };
      ctx.out.json(doc);
    }
    return ExitCode.ok;
  },
};
