/**
 * @module init
 * `mycel init`: create this device's identity and a new mesh.
 */

import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { homeRoot } from "../session.ts";

/** `mycel init [--name NAME] [--listen HOST:PORT]`. */
export const initCommand: CommandSpec = {
  path: ["init"],
  summary: "set up this device and a new mesh with it as the only member",
  description: "Creates the home folder, this device's keys (Ed25519 for signing, X25519 for\n" +
    "Noise and for WireGuard) and a new mesh. Any first write (e.g. `mycel pref set`)\n" +
    "does this implicitly. Set MYCEL_PASSPHRASE to protect the keys with a passphrase.",
  args: [],
  flags: [
    {
      name: "name",
      value: "NAME",
      help: "device name shown to other devices (default: host name)",
    },
    { name: "listen", value: "HOST:PORT", help: "where this device accepts sync connections" },
    JSON_FLAG,
  ],
  examples: ["mycel init --name laptop", "mycel init --name server --listen 192.168.1.20:7850"],
  ...LOCAL,
  async run(ctx, input) {
    const { initHome } = await import("../init_home.ts");
    const root = homeRoot(ctx);
    const r = await initHome(ctx, root, {
      name: input.flags.name as string | undefined,
      listen: input.flags.listen as string | undefined,
    });
    if (input.flags.json) {
      ctx.out.json({ device: { id: r.id, name: r.name }, mesh: { id: r.meshId }, home: root });
    } else {
      ctx.out.line(`Initialised ${root}`);
      ctx.out.line(`device  ${safeText(r.name)} (${r.id})`);
      ctx.out.line(`mesh    ${r.meshId}`);
    }
    return 0;
  },
};
