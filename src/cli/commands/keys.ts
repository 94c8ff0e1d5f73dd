/**
 * @module keys
 * `mycel keys where|export|import`: where this device's private keys are
 * kept, and moving them between machines or stores as a passphrase-sealed
 * file (keys_export.ts, keys_import.ts). `status` and `doctor` show the same
 * location line.
 */

import { ExitCode } from "../../errors.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { keysWhere } from "../key_where.ts";
import { homeRoot } from "../session.ts";
import { keysExportCommand } from "./keys_export.ts";
import { keysImportCommand } from "./keys_import.ts";

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
      const doc = await keysWhere(homeRoot(ctx), ctx.env, false, ctx.signal);
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
