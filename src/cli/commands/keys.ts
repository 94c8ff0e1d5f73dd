/**
 * @module keys
 * `mycel keys where|export|import`: where this device's private keys are
 * kept, and moving them between machines or stores as a passphrase-sealed
 * file (keys_export.ts, keys_import.ts). `status` and `doctor` show the same
 * location line.
 */

import { ExitCode } from "../../errors.ts";
import type { KeyLocation } from "../../storage/key_home.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import type { KeysJson } from "../json_types.ts";
import { homeRoot } from "../session.ts";
import { keysExportCommand } from "./keys_export.ts";
import { keysImportCommand } from "./keys_import.ts";

/** The JSON form of a key location. */
export async function keyLocationJson(
  loc: KeyLocation,
  env: (name: string) => string | undefined,
): Promise<KeysJson> {
  const { describeKeyLocation } = await import("../../storage/key_home.ts");
  return {
    store: loc.store,
    sealed: loc.sealed,
    provider: loc.provider,
    path: loc.path,
    description: describeKeyLocation(loc, env),
    credential: loc.credential,
    from_credential: loc.fromCredential,
  };
}

/** Where the keys of the home at `root` are (reads no secret). */
export async function keysWhere(
  root: string,
  env: (name: string) => string | undefined,
): Promise<KeysJson> {
  const { locateDeviceKeys } = await import("../../storage/key_home.ts");
  const { homeDevice } = await import("../../storage/home_handle.ts");
  const { homePaths } = await import("../../storage/home.ts");
  const paths = homePaths(root);
  await homeDevice(root, env); // not_initialized before anything else
  return await keyLocationJson(await locateDeviceKeys(paths, env, { probe: true }), env);
}

/** The keys commands. */
export const keyCommands: CommandSpec[] = [
  {
    path: ["keys", "where"],
    summary: "say where this device's private keys are kept (keyring, file, sealed or not)",
    description:
      "Secret Service or macOS Keychain (keys.cbor then only names the item), or the 0600\n" +
      "file keys.cbor, sealed by a passphrase or NOT. Also names the systemd credential\n" +
      "`service install` made for the units, if any. Reads no secret.",
    args: [],
    flags: [JSON_FLAG],
    examples: ["mycel keys where", "mycel keys where --json"],
    ...LOCAL,
    async run(ctx, input) {
      const doc = await keysWhere(homeRoot(ctx), ctx.env);
      if (input.flags.json) ctx.out.json(doc);
      else {
        ctx.out.line(`keys    ${doc.description}`);
        ctx.out.line(
          `file    ${doc.path}${doc.store === "file" ? "" : " (no secret: names the item)"}`,
        );
        if (doc.credential) ctx.out.line(`units   ${doc.credential} (systemd credential)`);
      }
      return ExitCode.ok;
    },
  },
  keysExportCommand,
  keysImportCommand,
];
