/**
 * @module init
 * `mycel init`: create this device's identity and a new mesh.
 */

import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, KEYED } from "../command.ts";
import { homeRoot } from "../session.ts";
import { KEY_STORE_CHOICES, type KeyStoreChoice } from "../../storage/key_choices.ts";
import { lazyImport } from "../../lazy_import.ts";

/** `mycel init [--name NAME] [--listen HOST:PORT]`. */
export const initCommand: CommandSpec = {
  path: ["init"],
  summary: "set up this device and a new mesh with it as the only member",
  description: "Creates the home folder, this device's keys (Ed25519 for signing, X25519 for\n" +
    "Noise and for WireGuard) and a new mesh. Any first write (e.g. `mycel pref set`)\n" +
    "does this implicitly. The private keys go to the OS keyring when one answers (Secret\n" +
    "Service, macOS Keychain), else to a 0600 file, sealed by a passphrase when one is given\n" +
    "(MYCEL_PASSPHRASE_FILE, MYCEL_PASSPHRASE, or asked on a terminal); init says which.",
  args: [],
  flags: [
    {
      name: "name",
      value: "NAME",
      help: "device name shown to other devices (default: host name)",
    },
    { name: "listen", value: "HOST:PORT", help: "where this device accepts sync connections" },
    {
      name: "keys",
      value: "STORE",
      help: "where to keep the private keys (default auto: the OS keyring, else a file)",
      choices: KEY_STORE_CHOICES,
    },
    JSON_FLAG,
  ],
  examples: ["mycel init --name laptop", "mycel init --name server --listen 192.168.1.20:7850"],
  ...KEYED,
  async run(ctx, input) {
    const { initHome } = await lazyImport<typeof import("../init_home.ts")>(
      new URL("../init_home.ts", import.meta.url),
    );
    const root = homeRoot(ctx);
    const r = await initHome(ctx, root, {
      name: input.flags.name as string | undefined,
      listen: input.flags.listen as string | undefined,
      keys: input.flags.keys as KeyStoreChoice | undefined,
    });
    const { describeKeyLocation } = await lazyImport<typeof import("../../storage/key_home.ts")>(
      new URL("../../storage/key_home.ts", import.meta.url),
    );
    const { keyLocationJson } = await lazyImport<typeof import("../key_where.ts")>(
      new URL("../key_where.ts", import.meta.url),
    );
    if (input.flags.json) {
      ctx.out.json({
        device: { id: r.id, name: r.name },
        mesh: { id: r.meshId },
        home: root,
        keys: keyLocationJson(r.keys, ctx.env),
      });
    } else {
      ctx.out.line(`Initialised ${root}`);
      ctx.out.line(`device  ${safeText(r.name)} (${r.id})`);
      ctx.out.line(`mesh    ${r.meshId}`);
      ctx.out.line(`keys    ${describeKeyLocation(r.keys, ctx.env)}`);
    }
    return 0;
  },
};
