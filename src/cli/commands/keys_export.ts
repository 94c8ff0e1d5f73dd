/**
 * @module keys_export
 * `mycel keys export FILE`: this device's identity sealed by a passphrase
 * (src/storage/key_transfer.ts), to move it to another machine or keep a
 * backup of a keyring-held identity. Refuses to write without a passphrase
 * (MYCEL_PASSPHRASE_FILE, MYCEL_PASSPHRASE or the terminal prompt) and never
 * replaces a file without --force. The file is 0600.
 */

import { ExitCode, MycelError, usageError } from "../../errors.ts";
import {
  type CommandContext,
  type CommandSpec,
  JSON_FLAG,
  KEYED,
  type ParsedInput,
} from "../command.ts";
import { withRead } from "../session.ts";
import { exists } from "../../storage/fs_probe.ts";
import { lazyImport } from "../../lazy_import.ts";
import { checkFileName, fileProblem } from "../user_file.ts";

/** Hint when no passphrase source exists (shared with keys import). */
export const NO_PASSPHRASE_HINT =
  "Set MYCEL_PASSPHRASE_FILE to a 0600 file holding a passphrase, " +
  "or run the command on a terminal to type one.";

async function exportKeys(ctx: CommandContext, input: ParsedInput): Promise<number> {
  const file = input.args.FILE as string;
  const { passphraseFromEnv, prompterOf, askNewPassphrase } = await import(
    "../../storage/key_passphrase.ts"
  );
  const { encodeKeyExport } = await lazyImport<typeof import("../../storage/key_transfer.ts")>(
    new URL("../../storage/key_transfer.ts", import.meta.url),
  );
  const { writeFileAtomic } = await lazyImport<typeof import("../../storage/atomic.ts")>(
    new URL("../../storage/atomic.ts", import.meta.url),
  );
  await checkFileName(file, "export device keys");
  if (!input.flags.force && await exists(file)) {
    throw usageError("export device keys", "the file exists", {
      value: file,
      hint: "Give a new file name, or --force to replace it.",
    });
  }
  const { keys, device } = await withRead(
    ctx,
    async (home) => ({ keys: await home.keys(), device: home.device.id }),
  );
  let passphrase = (await passphraseFromEnv(ctx.env))?.value;
  const prompt = passphrase === undefined ? prompterOf(undefined) : undefined;
  if (prompt) passphrase = await askNewPassphrase(prompt, "Passphrase for the export file: ");
  if (!passphrase) {
    throw new MycelError("passphrase_needed", "export device keys", "no passphrase was given", {
      hint: NO_PASSPHRASE_HINT,
    });
  }
  const sealed = await encodeKeyExport(keys, passphrase);
  await writeFileAtomic(file, sealed).catch((e) => {
    throw new MycelError("cannot_write", "export device keys", fileProblem(e, "write"), {
      value: file,
      exit: e instanceof Deno.errors.NotFound ? ExitCode.usage : ExitCode.failure,
      cause: e,
    });
  });
  if (input.flags.json) ctx.out.json({ device: device, file });
  else {
    ctx.out.line(`exported the keys of device ${device} to ${file}`);
    ctx.out.line("sealed by your passphrase; anyone with both can act as this device");
  }
  return ExitCode.ok;
}

/** `keys export`. */
export const keysExportCommand: CommandSpec = {
  path: ["keys", "export"],
  summary: "write this device's private keys to FILE, sealed by a passphrase",
  description:
    "The passphrase comes from MYCEL_PASSPHRASE_FILE (or MYCEL_PASSPHRASE), else it is\n" +
    "asked twice on the terminal; without one nothing is written. FILE is 0600.",
  args: [{ name: "FILE", help: "file to write", complete: "file" }],
  flags: [{ name: "force", help: "replace FILE if it exists" }, JSON_FLAG],
  examples: ["mycel keys export laptop.mycelkeys"],
  ...KEYED,
  run: exportKeys,
};
