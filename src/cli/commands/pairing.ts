/**
 * @module pairing
 * `mycel mesh add-device` / `mycel mesh join CODE`, and `mycel pair [CODE]`
 * which is either, depending on whether a code is given.
 */

import { ExitCode, isMycelError, MycelError, usageError } from "../../errors.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import { safeJson, safeText } from "../../text_safety.ts";
import {
  type CommandContext,
  type CommandSpec,
  type FlagSpec,
  JSON_FLAG,
  type ParsedInput,
} from "../command.ts";
import { localTime, plural } from "../human.ts";
import { homeRoot } from "../session.ts";

/** Parse durations like `5m`, `90s`, `1m30s` or plain seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  const plain = /^\d+$/.test(text.trim());
  const ms = plain
    ? Number(text) * 1000
    : m && text.trim() !== ""
    ? ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000
    : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 24 * 3600 * 1000) {
    throw usageError(`use ${flag}`, "give a duration such as 5m, 90s or 1m30s (at most 24h)", {
      value: text,
    });
  }
  return ms;
}

/** The machine's first non-loopback IPv4 address (for the code), else 127.0.0.1. */
export function primaryIpv4(): string {
  try {
    const candidates = Deno.networkInterfaces().filter((i) =>
      i.family === "IPv4" && !i.address.startsWith("127.") && !/^mycel/.test(i.name) &&
      !/^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./.test(i.address)
    );
    return candidates[0]?.address ?? "127.0.0.1";
  } catch {
    return "127.0.0.1";
  }
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Give the busy-port error of a second `mycel pair` a way out. */
function explainListenError(e: unknown): never {
  if (isMycelError(e, "address_in_use")) {
    throw new MycelError(
      "address_in_use",
      "wait for a device to pair",
      "the port is already in use",
      {
        value: (e as MycelError).value,
        hint:
          "Another `mycel pair` is probably waiting on it: finish or stop that one (Ctrl-C),\n" +
          "or wait on another port with --listen HOST:PORT.",
        cause: e,
      },
    );
  }
  throw e;
}

/** Rename this device (`pair --name` on the inviting side names this device, as on the joining side). */
async function renameThisDevice(ctx: CommandContext, name: string): Promise<void> {
  const { checkDeviceName } = await import("../init_home.ts");
  const { commitOps, withWrite } = await import("../session.ts");
  const wanted = checkDeviceName(name);
  const renamed = await withWrite(ctx, async (store) => {
    if (store.state.device(store.deviceId)?.name === wanted) return false;
    await commitOps(store, [{
      type: "device.update",
      id: store.deviceId,
      fields: { name: wanted },
    }]);
    return true;
  });
  if (renamed) ctx.out.error(`This device is now called ${safeText(wanted)}.`);
}

async function addDevice(
  ctx: CommandContext,
  input: ParsedInput,
  newName: string | undefined,
): Promise<number> {
  const { invite } = await import("../../sync/pairing_inviter.ts");
  const { DEFAULT_PAIRING_PORT } = await import("../../protocol/pairing_code.ts");
  const { renderQrTerminal } = await import("../qr.ts");
  const ttlMs = parseDuration((input.flags.ttl as string | undefined) ?? "5m", "--ttl");
  const listen = input.flags.listen as string | undefined;
  const ep = listen ? parseEndpoint(listen) : { host: "0.0.0.0", port: DEFAULT_PAIRING_PORT };
  const advertise = ep.host === "0.0.0.0" || ep.host === "::" ? primaryIpv4() : ep.host;
  const root = homeRoot(ctx);
  const { openRead } = await import("../session.ts");
  await openRead(ctx); // fail early with "not set up" rather than after showing a code
  let ticker: ReturnType<typeof setInterval> | undefined;
  const json = input.flags.json === true;
  const result = await invite(root, {
    bindHost: ep.host,
    port: ep.port,
    advertiseHost: advertise,
    ttlMs,
    lingerMs: 5000,
    name: newName,
    now: ctx.now,
    env: ctx.env,
    signal: ctx.signal,
    onCode(code, expiresAt) {
      if (json) {
        ctx.out.error(safeJson({ code, expires_at: new Date(expiresAt).toISOString() }, 0));
      } else {
        ctx.out.line(`Pairing code: ${code}\n`);
        ctx.out.line(renderQrTerminal(code));
        ctx.out.line("On the new device run `mycel pair` and type this code.");
      }
      ctx.out.error(`Waiting for one device until ${localTime(expiresAt, ctx.now())}.`);
      // Then a countdown on a terminal (nothing when standard error is piped).
      const tick = () => ctx.out.progress(`${clock(expiresAt - ctx.now())} left`);
      tick();
      ticker = setInterval(tick, 1000);
    },
    log: (line) => {
      ctx.out.progress("");
      ctx.out.error(safeText(line));
    },
  }).catch(explainListenError).finally(() => {
    clearInterval(ticker);
    ctx.out.progress("");
  });
  if (result.status !== "paired") {
    throw new MycelError(`pairing_${result.status}`, "add device", safeText(result.message), {
      hint: result.status === "stopped" ? undefined : "Run `mycel pair` again for a new code.",
    });
  }
  if (json) {
    ctx.out.json({
      paired: { id: result.device.id, name: result.device.name },
      verification: result.verification,
    });
  } else ctx.out.line(`paired with ${safeText(result.device.name)} (${result.device.id})`);
  return ExitCode.ok;
}

/** Where the joining side's code came from. */
type CodeSource = "argv" | "stdin" | "terminal";

/** The code typed on the terminal (not in argv, where every local user can read it). */
async function askCode(ctx: CommandContext, prompt: string): Promise<string | null> {
  const typed = await ctx.ask(prompt);
  return typed === null ? null : typed.trim();
}

function noCodeError(action: string): MycelError {
  return usageError(action, "give the code shown on the other device", {
    hint: "Run `mycel pair` on a terminal and type the code, or pipe it in: `mycel pair -`\n" +
      "reads it from standard input.",
  });
}

async function joinMesh(
  ctx: CommandContext,
  input: ParsedInput,
  code: string,
  source: CodeSource,
): Promise<number> {
  if (source === "argv") {
    ctx.out.error(
      "note: a code on the command line is visible to every user of this machine (in /proc)\n" +
        "while mycel runs; next time run `mycel pair` and type it.",
    );
  }
  const { join } = await import("../../sync/pairing_joiner.ts");
  const peer = input.flags.peer ? parseEndpoint(input.flags.peer as string) : undefined;
  const { checkDeviceName } = await import("../init_home.ts");
  const name = input.flags.name === undefined
    ? undefined
    : checkDeviceName(input.flags.name as string);
  const result = await join(homeRoot(ctx), code, {
    name,
    peer,
    now: ctx.now,
    env: ctx.env,
    timeoutMs: 15_000,
    log: (line) => ctx.out.error(safeText(line)),
  });
  if (input.flags.json) {
    ctx.out.json({
      paired: { id: result.inviter.id, name: result.inviter.name },
      device: result.device,
      mesh: result.mesh,
      verification: result.verification,
      received: result.received,
    });
  } else {
    if (result.created) ctx.out.line(`This device is ${result.device}`);
    ctx.out.line(`paired with ${safeText(result.inviter.name)} (${result.inviter.id})`);
    ctx.out.line(
      `mesh ${safeText(result.mesh)}: received ${plural(result.received, "entry", "entries")}`,
    );
  }
  return ExitCode.ok;
}

/** The code given as CODE (or `-`), or asked for on the terminal; null when none can be had. */
async function codeOf(
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

/**
 * `mycel pair` without a code: on a device not set up yet, join (asking for
 * the code); on a device in a mesh with others, show a code; on a device
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
  const { Store } = await import("../../storage/store.ts");
  const exists = await Store.exists(homeRoot(ctx));
  if (!exists || joinOnly) {
    const c = await codeOf(ctx, input, "Code shown on the other device: ");
    if (c === null) throw noCodeError(action);
    return joinMesh(ctx, input, c.code, c.source);
  }
  const { openRead } = await import("../session.ts");
  const view = await openRead(ctx);
  const alone = view.state.members.members().length <= 1;
  if (alone && !inviteOnly && ctx.stdinIsTerminal) {
    const typed = await askCode(
      ctx,
      "Type the code shown on the other device to join its mesh,\n" +
        "or press Enter to show a code here for a new device: ",
    );
    if (typed) return joinMesh(ctx, input, typed, "terminal");
  }
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
const CODE_ARG = {
  name: "CODE",
  help: "the code shown on the other device; better left out and typed when asked",
  optional: true,
  stdin: true,
} as const;

/** The pairing commands. */
export const pairingCommands: CommandSpec[] = [
  {
    path: ["mesh", "add-device"],
    summary: "show a one-time code (and QR) and admit the device that enters it",
    description:
      "Prints MYCEL-XXXX-XXXX-XXXX-XXXX and a QR of it, then waits (5 minutes by default)\n" +
      "for one device to run `mycel pair` and type the code. Three wrong attempts cancel\n" +
      "the code. Both screens show the same verification string. Exits 0 once paired, 1\n" +
      "otherwise.",
    args: [],
    flags: [NEW_NAME_FLAG, ...INVITE_FLAGS, JSON_FLAG],
    globals: ["home"],
    exits: [0, 1, 2],
    run: (ctx, input) => addDevice(ctx, input, input.flags.name as string | undefined),
  },
  {
    path: ["mesh", "join"],
    summary: "join a mesh with the code another device shows",
    description: "Without CODE, asks for it on the terminal: a code on the command line can be\n" +
      "read by every user of this machine while mycel runs. - reads it from standard input.",
    args: [CODE_ARG],
    flags: [...JOIN_FLAGS, JSON_FLAG],
    globals: ["home"],
    exits: [0, 1, 2],
    async run(ctx, input) {
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
      "show a code. --name names this device on either side.",
    args: [CODE_ARG],
    flags: [...INVITE_FLAGS, ...JOIN_FLAGS, JSON_FLAG],
    examples: ["mycel pair", "mycel pair --name desktop"],
    globals: ["home"],
    exits: [0, 1, 2],
    run(ctx, input) {
      if (input.args.CODE === undefined) return pairWithoutCode(ctx, input);
      if (input.flags.ttl || input.flags.listen) {
        throw usageError(
          "run mycel pair",
          "--ttl and --listen are for the device showing the code",
        );
      }
      const source = input.fromStdin?.includes("CODE") ? "stdin" : "argv";
      return joinMesh(ctx, input, input.args.CODE as string, source);
    },
  },
];
