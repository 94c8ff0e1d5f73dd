/**
 * @module init_home
 * `init`: device keys, a new mesh with this device as its only member, and
 * the genesis entry announcing the device (see storage/home_create.ts).
 */

import { newDeviceRecord } from "../log/device_record.ts";
import { hasControlChar } from "../bytes.ts";
import { ExitCode, MycelError } from "../errors.ts";
import { formatEndpoint, parseEndpoint } from "../log/endpoint.ts";
import { generateDeviceKeys } from "../log/identity.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { createHome } from "../storage/home_create.ts";
import { describeKeyLocation, type KeyStoreChoice, type SavedKeys } from "../storage/key_home.ts";
import type { CommandContext } from "./command.ts";
import { printableName } from "./typed_name.ts";
import { quotedText } from "../text_safety.ts";

/** What `init` may set. */
export interface InitOptions {
  /** Device name; defaults to the host name. */
  name?: string;
  /** Where this device accepts sync connections. */
  listen?: string;
  /** Where to keep the private keys (default: auto). */
  keys?: KeyStoreChoice;
}

/** The device created. */
export interface InitResult {
  /** Device id. */
  id: string;
  /** Device name. */
  name: string;
  /** New mesh id. */
  meshId: string;
  /** Where the private keys are kept. */
  keys: SavedKeys;
}

/** A new random mesh id: 16 lower-case base32 characters (80 bits). */
export function newMeshId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => alphabet[b & 31]).join("");
}

const DEVICE_NAME_HINT = "A device name is 1–64 printable characters, no space at either end " +
  "(e.g. laptop, Anna's desk).";

/** Check a device name: 1–64 printable characters. */
export function checkDeviceName(name: string): string {
  if (
    name.length === 0 || name.length > 64 || hasControlChar(name) ||
    name.trim() !== name
  ) {
    // Say which rule it broke: " laptop" is printable, and was refused for its space.
    const reason = name.length === 0
      ? "it is empty"
      : name.length > 64
      ? `it has ${name.length} characters, more than 64`
      : hasControlChar(name)
      ? "it holds a control character"
      : "it starts or ends with a space";
    throw new MycelError("bad_input", "use device name", reason, {
      value: quotedText(name.slice(0, 80)),
      hint: DEVICE_NAME_HINT,
      exit: ExitCode.usage,
    });
  }
  return printableName("device name", name, DEVICE_NAME_HINT);
}

/** The host name, as a default device name. */
export function defaultName(): string {
  try {
    return Deno.hostname().slice(0, 64) || "device";
  } catch {
    return "device";
  }
}

/**
 * Create a home at `root`: keys, a new mesh, and the genesis entry in which
 * the device announces itself (keys, name, endpoints, mesh IPv4) as the only
 * member. Fails with `already_initialized` when one exists (concurrent first
 * commands create exactly one identity).
 */
export async function initHome(
  ctx: CommandContext,
  root: string,
  options: InitOptions,
): Promise<InitResult> {
  const name = checkDeviceName(options.name ?? defaultName());
  const endpoints = options.listen === undefined
    ? []
    : [formatEndpoint(parseEndpoint(options.listen))];
  const keys = await generateDeviceKeys();
  const meshId = newMeshId();
  const made = await createHome(root, {
    keys,
    mesh: meshId,
    now: ctx.now,
    env: ctx.env,
    signal: ctx.signal,
    keyStore: options.keys,
    genesis: (key) => [{
      type: "device.add",
      device: newDeviceRecord(key, keys, name, {
        endpoints,
        ipv4: allocateIpv4(meshId, key.id, new Set()),
      }),
    }],
  });
  if (made.keys.fallback) {
    // Never a silent plaintext fallback: say where the keys went and why.
    ctx.out.error(`keys: ${describeKeyLocation(made.keys, ctx.env)} (${made.keys.fallback})`);
  }
  return { id: made.device.id, name, meshId, keys: made.keys };
}
