/**
 * @module keys_import
 * `mycel keys import FILE`: put an identity written by `keys export` into
 * this home's store (`--keys STORE`, default: the OS keyring, else the
 * file), e.g. after copying the home folder to a new machine (its keyring
 * does not travel with it), or to move the home's own keys to another store.
 * Refuses another device's file, a wrong passphrase or a damaged file, and,
 * without --force, keys that differ from the home's or cannot be checked.
 */

import { ExitCode, isMycelError, MycelError } from "../../errors.ts";
import type { DeviceKeys } from "../../log/identity.ts";
import { KEY_STORE_CHOICES, type KeyStoreChoice } from "../../storage/key_choices.ts";
import {
  type CommandContext,
  type CommandSpec,
  JSON_FLAG,
  KEYED,
  type ParsedInput,
} from "../command.ts";
import { homeRoot } from "../session.ts";
import { NO_PASSPHRASE_HINT } from "./keys_export.ts";
import { lazyImport } from "../../lazy_import.ts";
import { fileProblem } from "../user_file.ts";

/** Codes meaning "the home has no usable keys now" (the restore case). */
const GONE = new Set(["keys_not_found", "keyring_unavailable", "bad_keys"]);

async function importKeys(ctx: CommandContext, input: ParsedInput): Promise<number> {
  const file = input.args.FILE as string;
  const force = input.flags.force === true;
  const { decodeKeyExport, openKeyExport, MAX_EXPORT } = await import(
    "../../storage/key_transfer.ts"
  );
  const { withPassphrase, prompterOf } = await lazyImport<
    typeof import("../../storage/key_passphrase.ts")
  >(new URL("../../storage/key_passphrase.ts", import.meta.url));
  const k = await lazyImport<typeof import("../../storage/key_home.ts")>(
    new URL("../../storage/key_home.ts", import.meta.url),
  );
  const { sameKeys } = await lazyImport<typeof import("../../storage/key_codec.ts")>(
    new URL("../../storage/key_codec.ts", import.meta.url),
  );
  const { homePaths } = await lazyImport<typeof import("../../storage/home.ts")>(
    new URL("../../storage/home.ts", import.meta.url),
  );
  const { homeDevice } = await lazyImport<typeof import("../../storage/home_handle.ts")>(
    new URL("../../storage/home_handle.ts", import.meta.url),
  );
  const paths = homePaths(homeRoot(ctx));
  const info = { device: (await homeDevice(paths.root, ctx.env)).id };
  const unreadable = (e: unknown) =>
    new MycelError("bad_key_export", "read exported keys", fileProblem(e), {
      value: file,
      hint: "Give a file written by `mycel keys export`.",
      exit: ExitCode.usage,
    });
  const f = await Deno.open(file, { read: true }).catch((e) => {
    throw unreadable(e);
  });
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(MAX_EXPORT + 1);
    let n = 0;
    for (let r; n < bytes.length && (r = await f.read(bytes.subarray(n))) !== null;) n += r;
    bytes = bytes.subarray(0, n);
  } catch (e) {
    throw unreadable(e); // a folder opens, and fails at the first read
  } finally {
    f.close();
  }
  const sealed = decodeKeyExport(bytes, file);
  if (sealed.device !== info.device) {
    throw new MycelError("wrong_device", "import device keys", "the file holds another device", {
      value: sealed.device,
      hint: `This home is device ${info.device}; import into the home of that device.`,
    });
  }
  const keys = await withPassphrase(
    ctx.env,
    prompterOf(undefined),
    "Passphrase of the export file: ",
    (p) => openKeyExport(sealed, p, file),
    () =>
      new MycelError("passphrase_needed", "import device keys", "no passphrase was given", {
        hint: NO_PASSPHRASE_HINT,
      }),
  );
  let current: DeviceKeys | undefined;
  let unknown: string | undefined;
  try {
    current = await k.loadDeviceKeys(paths, ctx.env, { device: info.device, signal: ctx.signal });
  } catch (e) {
    if (isMycelError(e, "sync_interrupted")) throw e; // Ctrl-C: nothing imported
    if (!(e instanceof MycelError) || !GONE.has(e.code)) unknown = (e as Error).message;
  }
  const same = current !== undefined && sameKeys(current, keys);
  if (!force && current !== undefined && !same) {
    throw new MycelError("keys_differ", "import device keys", "the home has other keys", {
      value: file,
      hint: "They would be replaced; pass --force if that is really what you want.",
    });
  }
  if (!force && unknown !== undefined) {
    throw new MycelError("keys_differ", "import device keys", "the home's keys are unverified", {
      value: unknown,
      hint: "Give the home's passphrase so they can be compared, or pass --force.",
    });
  }
  const choice = input.flags.keys as KeyStoreChoice | undefined;
  let where = await k.locateDeviceKeys(paths, ctx.env).catch(() => undefined);
  if (!same || choice !== undefined) {
    where = await k.saveDeviceKeys(paths, keys, ctx.env, { store: choice, signal: ctx.signal });
  }
  const doc = {
    device: info.device,
    changed: !same || choice !== undefined,
    keys: (await lazyImport<typeof import("../key_where.ts")>(
      new URL("../key_where.ts", import.meta.url),
    )).keyLocationJson(where!, ctx.env),
  };
  if (input.flags.json) ctx.out.json(doc);
  else {
    ctx.out.line(
      doc.changed
        ? `imported the keys of device ${info.device}`
        : "these keys are already in place; nothing changed",
    );
    ctx.out.line(`keys    ${doc.keys.description}`);
    if (!same && current !== undefined && doc.keys.credential) {
      ctx.out.error("note: re-run `mycel service install`: the units' credential holds old keys");
    }
  }
  return ExitCode.ok;
}

/** `keys import`. */
export const keysImportCommand: CommandSpec = {
  path: ["keys", "import"],
  summary: "put the keys from FILE (made by keys export) into this device's home",
  description:
    "The home must be the same device (its log and state copied from the old machine, or\n" +
    "this very home). Keys go to --keys STORE (default: the OS keyring, else the file).\n" +
    "Replacing different keys, or keys that cannot be checked, needs --force.",
  args: [{ name: "FILE", help: "file written by `mycel keys export`", complete: "file" }],
  flags: [
    {
      name: "keys",
      value: "STORE",
      help: "where to keep them (default auto: the OS keyring, else a file)",
      choices: KEY_STORE_CHOICES,
    },
    { name: "force", help: "replace the home's keys even if they differ" },
    JSON_FLAG,
  ],
  examples: [
    "mycel keys import laptop.mycelkeys",
    "mycel keys import laptop.mycelkeys --keys file",
  ],
  ...KEYED,
  run: importKeys,
};
