/**
 * @module secret_service_helper
 * A real, private Secret Service for tests: a session `dbus-daemon` of our
 * own (not the machine's) and `gnome-keyring-daemon --foreground --unlock
 * --components=secrets` on it, whose login keyring lives in a temporary
 * HOME and is created and unlocked non-interactively (the keyring password
 * arrives on its stdin). Both are ours, started without forking, and ended
 * by their own PIDs when the session is disposed.
 *
 * When a tool is missing (Debian: dbus-daemon, dbus-bin, gnome-keyring,
 * libsecret-tools — see scripts/install_test_deps.sh) {@link secretServiceSkip}
 * says which, and the tests print it and skip — unless `CI` is set, where
 * they run and fail (as the network-namespace tests do).
 */

import { type Proc, runProcess, sleep, spawnProcess, which } from "../helpers/process.ts";

const TOOLS = ["dbus-daemon", "dbus-send", "gnome-keyring-daemon", "secret-tool"];

/** Why the Secret Service tests cannot run here, or undefined. */
export function secretServiceSkip(): string | undefined {
  const missing = TOOLS.filter((t) => which(t) === undefined);
  return missing.length === 0 || Deno.env.get("CI") !== undefined
    ? undefined
    : `${missing.join(", ")} not installed (scripts/install_test_deps.sh installs them)`;
}

/** A running private Secret Service. */
export interface SecretService extends AsyncDisposable {
  /** DBUS_SESSION_BUS_ADDRESS of the private bus. */
  readonly address: string;
  /** Environment that reaches it (bus address, plus PATH). */
  readonly env: Record<string, string>;
  /** The temporary folder holding the keyring and the bus. */
  readonly dir: string;
  /** `secret-tool ARGS` against this service (for checks from the test). */
  secretTool(args: string[], stdin?: string): Promise<{ code: number; stdout: string }>;
}

/** Start a private bus and an unlocked gnome-keyring on it. */
export async function startSecretService(): Promise<SecretService> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-keyring-" });
  await Deno.mkdir(`${dir}/run`, { mode: 0o700 });
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) await p.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const bus = spawnProcess("dbus-daemon", ["--session", "--nofork", "--print-address=1"], {
      env: { PATH: path, HOME: dir },
      clearEnv: true,
      timeoutMs: 0,
      name: "dbus-daemon",
    });
    procs.push(bus);
    const address = (await bus.waitFor(/^(unix:\S+)$/m, { stream: "stdout" }))[1];
    const env = { PATH: path, DBUS_SESSION_BUS_ADDRESS: address };
    const keyring = spawnProcess(
      "gnome-keyring-daemon",
      ["--foreground", "--unlock", "--components=secrets"],
      {
        env: { ...env, HOME: dir, XDG_RUNTIME_DIR: `${dir}/run` },
        clearEnv: true,
        stdin: "test-keyring-password",
        timeoutMs: 0,
        name: "gnome-keyring-daemon",
      },
    );
    procs.push(keyring);
    for (let i = 0;; i++) {
      const r = await runProcess("dbus-send", [
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner",
        "string:org.freedesktop.secrets",
      ], { env, clearEnv: true, timeoutMs: 5000 });
      if (/boolean true/.test(r.stdout)) break;
      if (i > 100 || keyring.exited) {
        throw new Error(`gnome-keyring did not come up:\n${keyring.stderr}`);
      }
      await sleep(50);
    }
    return {
      address,
      env,
      dir,
      async secretTool(args, stdin) {
        const r = await runProcess("secret-tool", args, {
          env,
          clearEnv: true,
          stdin,
          timeoutMs: 10_000,
        });
        return { code: r.code, stdout: r.stdout };
      },
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
