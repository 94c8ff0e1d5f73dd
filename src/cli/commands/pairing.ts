/**
 * @module pairing
 * `mycel mesh add-device` (show a code), `mycel mesh join [CODE]` (type
 * one), and `mycel pair [CODE]`, which is either: see `pairWithoutCode` for
 * how it decides. The two sides live in ../pair_invite.ts and ../pair_join.ts.
 */

import { usageError } from "../../errors.ts";
import {
  type CommandContext,
  type CommandSpec,
  type FlagSpec,
  JSON_FLAG,
  type ParsedInput,
} from "../command.ts";
import { homeRoot } from "../session.ts";
import { lazyImport } from "../../lazy_import.ts";

// The two sides load when used (they bring Noise, CPace, QR codes and the
// network), so other commands start without them.
const invite = () =>
  lazyImport<typeof import("../pair_invite.ts")>(new URL("../pair_invite.ts", import.meta.url));
const join = () =>
  lazyImport<typeof import("../pair_join.ts")>(new URL("../pair_join.ts", import.meta.url));

/**
 * `mycel pair` without a code: on a device not set up yet, or removed from
 * its mesh, join (asking for the code); on a device in a mesh with others,
 * show a code; on a device
 * alone in its own mesh, ask on a terminal which of the two is meant (and
 * show a code when nobody can be asked, as scripts expect).
 */
async function pairWithoutCode(ctx: CommandContext, input: ParsedInput): Promise<number> {
  const action = "run mycel pair";
  const inviteOnly = input.flags.ttl !== undefined || input.flags.listen !== undefined;
  const joinOnly = input.flags.peer !== undefined;
  if (inviteOnly && joinOnly) {
    throw usageError(
      action,
      "--ttl and --listen are for the device showing the code, --peer for the one typing it",
    );
  }
  const { Home } = await lazyImport<typeof import("../../storage/home_handle.ts")>(
    new URL("../../storage/home_handle.ts", import.meta.url),
  );
  const joinWithCode = async (prompt: string) => {
    const { codeOf, joinMesh, noCodeError } = await join();
    const c = await codeOf(ctx, input, prompt);
    if (c === null) throw noCodeError(action);
    return joinMesh(ctx, input, c.code, c.source);
  };
  const exists = await Home.exists(homeRoot(ctx));
  if (!exists || joinOnly) return await joinWithCode("Code shown on the other device: ");
  const { withRead } = await lazyImport<typeof import("../session.ts")>(
    new URL("../session.ts", import.meta.url),
  );
  const { removalHere } = await lazyImport<typeof import("../removal.ts")>(
    new URL("../removal.ts", import.meta.url),
  );
  const { alone, removed } = await withRead(ctx, (home) => ({
    alone: home.view.members().filter((m) => !m.removed).length <= 1,
    removed: removalHere(home.view, home.device, home.local.peers()) !== undefined,
  }));
  // A device removed from its mesh can only join again (it admits nobody):
  // `mycel pair` there asks for the code, as the rejoin hint says.
  if (removed && !inviteOnly) return await joinWithCode("Code shown on a device of the mesh: ");
  if (alone && !inviteOnly && ctx.stdinIsTerminal) {
    const { askCode, joinMesh } = await join();
    const typed = await askCode(
      ctx,
      "Type the code shown on the other device to join its mesh,\n" +
        "or press Enter to show a code here for a new device: ",
    );
    if (typed) return joinMesh(ctx, input, typed, "terminal");
  }
  const { addDevice, renameThisDevice } = await invite();
  if (typeof input.flags.name === "string") await renameThisDevice(ctx, input.flags.name);
  return addDevice(ctx, input, undefined);
}

const INVITE_FLAGS: FlagSpec[] = [
  { name: "ttl", value: "DURATION", help: "how long the code stays valid (default 5m)" },
  {
    name: "listen",
    value: "HOST:PORT",
    help: "where to wait for the device (default 0.0.0.0:7853)",
  },
];
const NEW_NAME_FLAG: FlagSpec = {
  name: "name",
  value: "NAME",
  help: "name to give the new device",
};
const JOIN_FLAGS: FlagSpec[] = [
  { name: "name", value: "NAME", help: "name for this device (default: host name)" },
  { name: "peer", value: "HOST:PORT", help: "connect here instead of the address in the code" },
];
const YES: FlagSpec = {
  name: "yes",
  help: "do not ask whether both screens show the same verification string",
};
const CODE_ARG = {
  name: "CODE",
  help: "the code shown on the other device; better left out and typed when asked",
  optional: true,
  stdin: true,
} as const;

// Standard output carries one JSON document, the result, so the code a script must pass
// on goes to standard error, as a line of JSON of its own among the human lines there.
const JSON_CODE =
  "With --json the code comes as one line of JSON on standard error instead of the text\n" +
  'and QR, {"code":"MYCEL-...","expires_at":"<ISO 8601 time>"}, so that standard output\n' +
  "holds one JSON document: the result, once paired.";

/** The pairing commands. */
export const pairingCommands: CommandSpec[] = [
  {
    path: ["mesh", "add-device"],
    summary: "show a one-time code (and QR) and admit the device that enters it",
    description:
      "Prints MYCEL-XXXX-XXXX-XXXX-XXXX and a QR of it, then waits (5 minutes by default)\n" +
      "for one device to run `mycel pair` and type the code. Three wrong attempts cancel\n" +
      "the code. Both screens show the same verification string; on a terminal both sides\n" +
      "are asked whether it matches before anything is admitted (--yes skips the question).\n" +
      "Exits 0 once paired, 130 when stopped by Ctrl-C, 1 otherwise.\n" +
      JSON_CODE,
    args: [],
    flags: [NEW_NAME_FLAG, ...INVITE_FLAGS, YES, JSON_FLAG],
    globals: ["home"],
    exits: [0, 1, 2, 130],
    run: async (ctx, input) =>
      (await invite()).addDevice(ctx, input, input.flags.name as string | undefined),
  },
  {
    path: ["mesh", "join"],
    summary: "join a mesh with the code another device shows",
    description: "Without CODE, asks for it on the terminal: a code on the command line can be\n" +
      "read by every user of this machine while mycel runs. - reads it from standard input.",
    args: [CODE_ARG],
    flags: [...JOIN_FLAGS, YES, JSON_FLAG],
    globals: ["home"],
    exits: [0, 1, 2, 130],
    async run(ctx, input) {
      const { codeOf, joinMesh, noCodeError } = await join();
      const c = await codeOf(ctx, input, "Code shown on the other device: ");
      if (c === null) throw noCodeError("run mycel mesh join");
      return joinMesh(ctx, input, c.code, c.source);
    },
  },
  {
    path: ["pair"],
    summary: "pair a device: show a code here, or type the code another device shows",
    description:
      "On the device already set up, `mycel pair` shows a code (as `mesh add-device`). On\n" +
      "the new device, `mycel pair` asks for that code and joins (as `mesh join`). A device\n" +
      "set up but still alone in its own mesh is asked which it is; press Enter there to\n" +
      "show a code. --name names this device on either side.\n" +
      JSON_CODE,
    args: [CODE_ARG],
    flags: [...INVITE_FLAGS, ...JOIN_FLAGS, YES, JSON_FLAG],
    examples: ["mycel pair", "mycel pair --name desktop"],
    globals: ["home"],
    exits: [0, 1, 2, 130],
    async run(ctx, input) {
      if (input.args.CODE === undefined) return await pairWithoutCode(ctx, input);
      if (input.flags.ttl || input.flags.listen) {
        throw usageError(
          "run mycel pair",
          "--ttl and --listen are for the device showing the code",
        );
      }
      const source = input.fromStdin?.includes("CODE") ? "stdin" : "argv";
      return (await join()).joinMesh(ctx, input, input.args.CODE as string, source);
    },
  },
];
