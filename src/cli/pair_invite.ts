/**
 * @module pair_invite
 * The inviting side of pairing (`mycel pair` on a device already in a mesh,
 * `mycel mesh add-device`): show a code and its QR, count down, admit the
 * one device that proves it knows the code. The instructions printed tell
 * the new device to run `mycel pair` and type the code (never to put it in
 * argv, where other local users can read it).
 */

import { ExitCode, isMycelError, MycelError } from "../errors.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { safeJson, safeText } from "../text_safety.ts";
import type { CommandContext, ParsedInput } from "./command.ts";
import { parseDuration } from "./duration.ts";
import { localTime } from "../human.ts";
import { homeRoot } from "./session.ts";
import { lazyImport } from "../lazy_import.ts";

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
        // Whoever holds it: a `mycel pair` still waiting, `mycel sync serve`
        // (or its socket unit) when --listen named the sync port, or any other program.
        hint: "Another program is listening on it (a `mycel pair` still waiting, or\n" +
          "`mycel sync serve` on this port): stop that one, or wait on another port with\n" +
          "--listen HOST:PORT.",
        cause: e,
      },
    );
  }
  throw e;
}

/** Rename this device (`pair --name` on the inviting side names this device, as on the joining side). */
export async function renameThisDevice(ctx: CommandContext, name: string): Promise<void> {
  const { checkDeviceName } = await lazyImport<typeof import("./init_home.ts")>(
    new URL("./init_home.ts", import.meta.url),
  );
  const { commitOps, withWrite } = await lazyImport<typeof import("./session.ts")>(
    new URL("./session.ts", import.meta.url),
  );
  const wanted = checkDeviceName(name);
  const renamed = await withWrite(ctx, async (w) => {
    if (w.view.member(w.device)?.record.name === wanted) return false;
    await commitOps(w, [{ type: "device.update", device: w.device, fields: { name: wanted } }]);
    return true;
  });
  if (renamed) ctx.out.error(`This device is now called ${safeText(wanted)}.`);
}

/**
 * "Same code on both screens?": asked on a terminal (unless --yes); without a
 * terminal the pairing goes on (whoever runs it unattended chose so; the
 * verification string is still printed on both sides). The question is
 * dropped (false) when `dropped` fires (the other side gave up) or on Ctrl-C.
 */
export async function confirmVerification(
  ctx: CommandContext,
  input: ParsedInput,
  verification: string,
  dropped: AbortSignal,
): Promise<boolean> {
  if (input.flags.yes === true || !ctx.stdinIsTerminal) return true;
  const answer = await ctx.ask(
    `Does the other screen show ${verification} too? [y/N] `,
    AbortSignal.any([dropped, ctx.signal]),
  );
  return /^\s*y(es)?\s*$/i.test(answer ?? "");
}

/** Show a code and admit the one device that proves it knows it. */
export async function addDevice(
  ctx: CommandContext,
  input: ParsedInput,
  newName: string | undefined,
): Promise<number> {
  const { invite } = await lazyImport<typeof import("../sync/pairing_inviter.ts")>(
    new URL("../sync/pairing_inviter.ts", import.meta.url),
  );
  const { DEFAULT_PAIRING_PORT } = await lazyImport<typeof import("../protocol/pairing_code.ts")>(
    new URL("../protocol/pairing_code.ts", import.meta.url),
  );
  const { renderQrTerminal } = await lazyImport<typeof import("./qr.ts")>(
    new URL("./qr.ts", import.meta.url),
  );
  const ttlMs = parseDuration((input.flags.ttl as string | undefined) ?? "5m", "--ttl");
  const listen = input.flags.listen as string | undefined;
  const ep = listen ? parseEndpoint(listen) : { host: "0.0.0.0", port: DEFAULT_PAIRING_PORT };
  const advertise = ep.host === "0.0.0.0" || ep.host === "::" ? primaryIpv4() : ep.host;
  const root = homeRoot(ctx);
  const { withRead } = await lazyImport<typeof import("./session.ts")>(
    new URL("./session.ts", import.meta.url),
  );
  // Fail early with "not set up" rather than after showing a code; and a
  // device removed from the mesh admits nobody (the one it admitted would be
  // refused by every member).
  const { REJOIN_HINT, removalHere, removalMessage } = await lazyImport<
    typeof import("./removal.ts")
  >(new URL("./removal.ts", import.meta.url));
  const { heldPastCutIn } = await lazyImport<typeof import("../sync/acks.ts")>(
    new URL("../sync/acks.ts", import.meta.url),
  );
  await withRead(ctx, (home) => {
    const removal = removalHere(home.view, home.device, home.local.peers());
    if (removal !== undefined) {
      throw new MycelError("removed", "add device", safeText(removalMessage(removal)), {
        hint: REJOIN_HINT,
      });
    }
    // The newcomer would start from this state and keep, for good, changes
    // every other device refuses (docs/trust.md, limits).
    const held = heldPastCutIn(home)[0];
    if (held === undefined) return;
    throw new MycelError(
      "state_past_removal",
      "add device",
      `this device's state holds changes of ${
        safeText(held.name)
      } made after it was removed, which the new device would take`,
      {
        value: `up to #${held.held}; accepted up to #${held.cut}`,
        hint: "Run `mycel mesh add-device` on another device of the mesh. `mycel doctor` here " +
          "says how to start this device from a clean state.",
      },
    );
  });
  let ticker: ReturnType<typeof setInterval> | undefined;
  const json = input.flags.json === true;
  const { addressesFrom } = await lazyImport<typeof import("../sync/self_record.ts")>(
    new URL("../sync/self_record.ts", import.meta.url),
  );
  const result = await invite(root, {
    addresses: addressesFrom(ctx.env),
    bindHost: ep.host,
    port: ep.port,
    advertiseHost: advertise,
    ttlMs,
    lingerMs: 5000,
    name: newName,
    now: ctx.now,
    timeText: (ms) => localTime(ms, ctx.now()),
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
    onEnded(message, until) {
      // The countdown stood at 0:00 while the listener stayed up for late joiners.
      clearInterval(ticker);
      ctx.out.progress("");
      const text = safeText(message);
      const seconds = Math.round((until - ctx.now()) / 1000);
      ctx.out.error(
        `${text[0].toUpperCase()}${
          text.slice(1)
        }: telling devices that try it so for ${seconds} s.`,
      );
    },
    log: (line) => {
      ctx.out.progress("");
      ctx.out.error(safeText(line));
    },
    confirm: (verification, dropped) => {
      clearInterval(ticker);
      ctx.out.progress("");
      return confirmVerification(ctx, input, verification, dropped);
    },
  }).catch(explainListenError).finally(() => {
    clearInterval(ticker);
    ctx.out.progress("");
  });
  if (result.status === "stopped") {
    // Ctrl-C: the user's choice, not a failure to explain. 130, as the joining side exits.
    throw new MycelError("pairing_stopped", "add device", safeText(result.message), {
      exit: ExitCode.interrupted,
    });
  }
  if (result.status === "unconfirmed") {
    const id = result.device.id;
    throw new MycelError("pairing_unconfirmed", "add device", safeText(result.message), {
      value: id,
      hint: "If that device says it paired, run `mycel sync now` there. If not, take the half-" +
        `added device out (\`mycel mesh remove ${id.slice(0, 7)} --yes\`) and run \`mycel pair\` ` +
        "again for a new code.",
    });
  }
  if (result.status !== "paired") {
    throw new MycelError(`pairing_${result.status}`, "add device", safeText(result.message), {
      hint: "Run `mycel pair` again for a new code.",
    });
  }
  // Two members of one name make every later `mesh remove NAME` ask which.
  const { twinNameNote } = await lazyImport<typeof import("./devices.ts")>(
    new URL("./devices.ts", import.meta.url),
  );
  const { twins, self } = await withRead(
    ctx,
    (home) => {
      const admitted = home.view.members().find((m) => m.record.id === result.device.id);
      return {
        twins: admitted && twinNameNote(home.view, result.device.name, admitted.record.key),
        // The fields the joining side's --json has: before, only `paired`
        // and `verification` here.
        self: {
          device: home.device.id,
          mesh: home.meshId,
          devices: home.view.members().filter((m) => m.removed === undefined).length,
        },
      };
    },
  );
  if (json) {
    ctx.out.json({
      paired: { id: result.device.id, name: result.device.name },
      device: self.device,
      mesh: self.mesh,
      verification: result.verification,
      devices: self.devices,
    });
  } else ctx.out.line(`paired with ${safeText(result.device.name)} (${result.device.id})`);
  if (twins) ctx.out.error(twins);
  return ExitCode.ok;
}
