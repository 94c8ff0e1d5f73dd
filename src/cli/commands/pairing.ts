/**
 * @module pairing
 * `mycel mesh add-device` / `mycel mesh join CODE`, and `mycel pair [CODE]`
 * which is either, depending on whether a code is given.
 */

import { ExitCode, MycelError, usageError } from "../../errors.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import {
  type CommandContext,
  type CommandSpec,
  type FlagSpec,
  JSON_FLAG,
  type ParsedInput,
} from "../command.ts";
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

/**
 * "Same code on both screens?": asked on a terminal (unless --yes); without a
 * terminal the verification string is printed and the pairing goes on (the
 * person running it non-interactively chose so).
 */
function confirmer(ctx: CommandContext, input: ParsedInput) {
  return async (verification: string): Promise<boolean> => {
    if (input.flags.yes === true) return true;
    const { canAsk, confirm } = await import("../prompt.ts");
    if (!canAsk()) return true;
    return await confirm(`Does the other screen show ${verification} too?`, ctx.signal);
  };
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function addDevice(ctx: CommandContext, input: ParsedInput): Promise<number> {
  const { invite } = await import("../../sync/pairing_inviter.ts");
  const { DEFAULT_PAIRING_PORT } = await import("../../protocol/pairing_code.ts");
  const { renderQrTerminal } = await import("../qr.ts");
  const ttlMs = parseDuration((input.flags.ttl as string | undefined) ?? "5m", "--ttl");
  const listen = input.flags.listen as string | undefined;
  const ep = listen ? parseEndpoint(listen) : { host: "0.0.0.0", port: DEFAULT_PAIRING_PORT };
  const advertise = ep.host === "0.0.0.0" || ep.host === "::" ? primaryIpv4() : ep.host;
  const root = homeRoot(ctx);
  const { withRead } = await import("../session.ts");
  await withRead(ctx, () => {}); // fail early with "not set up" rather than after showing a code
  let ticker: ReturnType<typeof setInterval> | undefined;
  const result = await invite(root, {
    bindHost: ep.host,
    port: ep.port,
    advertiseHost: advertise,
    ttlMs,
    lingerMs: 5000,
    name: input.flags.name as string | undefined,
    now: ctx.now,
    env: ctx.env,
    signal: ctx.signal,
    onCode(code, expiresAt) {
      if (input.flags.json) {
        ctx.out.error(JSON.stringify({ code, expires_at: new Date(expiresAt).toISOString() }));
      } else {
        ctx.out.line(`Pairing code: ${code}\n`);
        ctx.out.line(renderQrTerminal(code));
        ctx.out.line(`On the new device run:  mycel pair ${code}`);
      }
      const until = new Date(expiresAt).toTimeString().slice(0, 5);
      if (ctx.out.isTerminal && !input.flags.json) {
        const tick = () =>
          ctx.out.write(
            `\rWaiting for one device… ${clock(expiresAt - ctx.now())} left (until ${until}) `,
          );
        tick();
        ticker = setInterval(tick, 1000);
      } else ctx.out.error(`Waiting for one device until ${until} (${clock(ttlMs)}).`);
    },
    log: (line) => {
      if (ctx.out.isTerminal) ctx.out.write("\r\x1b[K");
      ctx.out.error(line);
    },
    confirm: async (v) => {
      clearInterval(ticker);
      return await confirmer(ctx, input)(v);
    },
  }).finally(() => {
    clearInterval(ticker);
    if (ctx.out.isTerminal) ctx.out.write("\r\x1b[K");
  });
  if (result.status !== "paired") {
    throw new MycelError(`pairing_${result.status}`, "add device", result.message, {
      hint: result.status === "stopped" ? undefined : "Run `mycel pair` again for a new code.",
    });
  }
  if (input.flags.json) {
    ctx.out.json({
      paired: { id: result.device.id, name: result.device.name },
      verification: result.verification,
    });
  } else ctx.out.line(`paired with ${result.device.name} (${result.device.id})`);
  return ExitCode.ok;
}

async function joinMesh(ctx: CommandContext, input: ParsedInput, code: string): Promise<number> {
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
    log: (line) => ctx.out.error(line),
    confirm: confirmer(ctx, input),
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
    ctx.out.line(`paired with ${result.inviter.name} (${result.inviter.id})`);
    ctx.out.line(`mesh ${result.mesh}: received the mesh's state (${result.devices} devices)`);
  }
  return ExitCode.ok;
}

const YES: FlagSpec = { name: "yes", help: "do not ask whether the verification strings match" };
const INVITE_FLAGS: FlagSpec[] = [
  YES,
  { name: "name", value: "NAME", help: "name to give the new device" },
  { name: "ttl", value: "DURATION", help: "how long the code stays valid (default 5m)" },
  {
    name: "listen",
    value: "HOST:PORT",
    help: "where to wait for the device (default 0.0.0.0:7853)",
  },
];
const JOIN_FLAGS: FlagSpec[] = [
  YES,
  { name: "name", value: "NAME", help: "name for this device (default: host name)" },
  { name: "peer", value: "HOST:PORT", help: "connect here instead of the address in the code" },
];

/** The pairing commands. */
export const pairingCommands: CommandSpec[] = [
  {
    path: ["mesh", "add-device"],
    summary: "show a one-time code (and QR) and admit the device that enters it",
    description:
      "Prints MYCEL-XXXX-XXXX-XXXX-XXXX and a QR of it, then waits (5 minutes by default)\n" +
      "for one device to run `mycel pair CODE`. Three wrong attempts cancel the code. Both\n" +
      "screens show the same verification string. Exits 0 once paired, 1 otherwise.",
    args: [],
    flags: [...INVITE_FLAGS, JSON_FLAG],
    run: (ctx, input) => addDevice(ctx, input),
  },
  {
    path: ["mesh", "join"],
    summary: "join a mesh with the code another device shows",
    args: [{ name: "CODE", help: "the code shown by `mycel pair` on the other device" }],
    flags: [...JOIN_FLAGS, JSON_FLAG],
    run: (ctx, input) => joinMesh(ctx, input, input.args.CODE as string),
  },
  {
    path: ["pair"],
    summary: "pair a device: without CODE show a code, with CODE join",
    description: "`mycel pair` on a device already set up shows a code (as `mesh add-device`);\n" +
      "`mycel pair CODE` on the new device joins (as `mesh join`).",
    args: [{ name: "CODE", help: "the code shown on the other device", optional: true }],
    flags: [
      ...INVITE_FLAGS.filter((f) => f.name !== "name" && f !== YES),
      ...JOIN_FLAGS,
      JSON_FLAG,
    ],
    run(ctx, input) {
      const code = input.args.CODE as string | undefined;
      if (code === undefined) {
        if (input.flags.peer) throw usageError("run mycel pair", "--peer needs a CODE");
        return addDevice(ctx, input);
      }
      if (input.flags.ttl || input.flags.listen) {
        throw usageError(
          "run mycel pair",
          "--ttl and --listen are for the device showing the code",
        );
      }
      return joinMesh(ctx, input, code);
    },
  },
];
