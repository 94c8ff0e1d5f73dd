/**
 * @module pair_join
 * The joining side of pairing (`mycel pair` on a new device, `mycel mesh
 * join`): where the code comes from — typed on the terminal when asked, `-`
 * for standard input, or an argument (which still works, with a note: argv
 * is readable by every local user through /proc while mycel runs).
 */

import { ExitCode, interruptedError, MycelError, usageError } from "../errors.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { safeText } from "../text_safety.ts";
import type { CommandContext, ParsedInput } from "./command.ts";
import { plural } from "../human.ts";
import { confirmVerification } from "./pair_invite.ts";
import { homeRoot } from "./session.ts";
import { lazyImport } from "../lazy_import.ts";

/** Where the joining side's code came from. */
export type CodeSource = "argv" | "stdin" | "terminal";

/** The code typed on the terminal (not in argv, where every local user can read it). */
export async function askCode(ctx: CommandContext, prompt: string): Promise<string | null> {
  // Ctrl-C drops the question at once (the read is not waited for: main.ts
  // would end it only 3 s later, without a word).
  const typed = await ctx.ask(prompt, ctx.signal);
  if (ctx.signal.aborted) {
    throw interruptedError("read the pairing code", { hint: "Nothing was changed." });
  }
  return typed === null ? null : typed.trim();
}

export function noCodeError(action: string): MycelError {
  return usageError(action, "give the code shown on the other device", {
    hint: "Run `mycel pair` on a terminal and type the code, or pipe it in: `mycel pair -`\n" +
      "reads it from standard input.",
  });
}

export async function joinMesh(
  ctx: CommandContext,
  input: ParsedInput,
  code: string,
  source: CodeSource,
): Promise<number> {
  // Under --json standard error carries only the JSON error, if any.
  if (source === "argv" && input.flags.json !== true) {
    ctx.out.error(
      "note: a code on the command line is visible to every user of this machine (in /proc)\n" +
        "while mycel runs; next time run `mycel pair` and type it.",
    );
  }
  const { join } = await lazyImport<typeof import("../sync/pairing_joiner.ts")>(
    new URL("../sync/pairing_joiner.ts", import.meta.url),
  );
  const peer = input.flags.peer ? parseEndpoint(input.flags.peer as string) : undefined;
  const { checkDeviceName } = await lazyImport<typeof import("./init_home.ts")>(
    new URL("./init_home.ts", import.meta.url),
  );
  const name = input.flags.name === undefined
    ? undefined
    : checkDeviceName(input.flags.name as string);
  const { addressesFrom } = await lazyImport<typeof import("../sync/self_record.ts")>(
    new URL("../sync/self_record.ts", import.meta.url),
  );
  const result = await join(homeRoot(ctx), code, {
    addresses: addressesFrom(ctx.env),
    name,
    peer,
    now: ctx.now,
    env: ctx.env,
    timeoutMs: 15_000,
    log: (line) => ctx.out.error(safeText(line)),
    confirm: (verification, dropped) => confirmVerification(ctx, input, verification, dropped),
    signal: ctx.signal,
  });
  if (input.flags.json) {
    ctx.out.json({
      paired: { id: result.inviter.id, name: result.inviter.name },
      device: result.device,
      mesh: result.mesh,
      verification: result.verification,
      devices: result.devices,
    });
  } else {
    if (result.created) ctx.out.line(`This device is ${result.device}`);
    ctx.out.line(`paired with ${safeText(result.inviter.name)} (${result.inviter.id})`);
    ctx.out.line(
      `mesh ${safeText(result.mesh)}: received the mesh's state (${
        plural(result.devices, "device")
      })`,
    );
  }
  return ExitCode.ok;
}

/** The code given as CODE (or `-`), or asked for on the terminal; null when none can be had. */
export async function codeOf(
  ctx: CommandContext,
  input: ParsedInput,
  prompt: string,
): Promise<{ code: string; source: CodeSource } | null> {
  const given = input.args.CODE as string | undefined;
  if (given !== undefined) {
    return { code: given, source: input.fromStdin?.includes("CODE") ? "stdin" : "argv" };
  }
  if (!ctx.stdinIsTerminal) return null;
  const typed = await askCode(ctx, prompt);
  return typed ? { code: typed, source: "terminal" } : null;
}
