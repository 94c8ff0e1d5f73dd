/**
 * @module self_command
 * The argv that systemd units, launchd agents and cron lines run mycel with.
 * In order of preference:
 * 1. the installed `mycel`: the first executable file of that name on PATH
 *    (what typing `mycel` runs; `scripts/install.sh` puts it there), written
 *    as found on PATH, not resolved, so an upgrade in place takes effect;
 * 2. this compiled binary itself;
 * 3. `deno run -A --v8-flags=… main.ts` when running from source (the
 *    flags the binary has built in, src/runtime_flags.ts).
 * Units get an absolute path either way: cron and launchd run with a short
 * PATH of their own.
 */

import { fromFileUrl } from "./file_url.ts";
import { denoRunArgs } from "../runtime_flags.ts";

/** Where the command comes from. */
export type SelfSource = "installed" | "binary" | "source";

/** What {@link selfCommandOf} looks at (the process's own, unless a test passes others). */
export interface SelfProbe {
  /** Path of the running executable (`Deno.execPath()`). */
  execPath: string;
  /** URL of main.ts (a `file:` URL when running from source). */
  mainUrl: URL;
  /** Environment lookup (PATH). */
  env: (name: string) => string | undefined;
  /** True when `path` is an executable regular file (after symlinks). */
  isExecutable: (path: string) => boolean;
}

/** The command that starts mycel, and where it comes from. */
export interface SelfCommand {
  argv: string[];
  source: SelfSource;
}

/** True when `path` is an executable regular file (symlinks followed). */
export function isExecutableFile(path: string): boolean {
  try {
    const s = Deno.statSync(path);
    return s.isFile && s.mode !== null && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function defaultProbe(): SelfProbe {
  return {
    execPath: Deno.execPath(),
    mainUrl: new URL("../../main.ts", import.meta.url),
    env: (n) => Deno.env.get(n),
    isExecutable: isExecutableFile,
  };
}

/** The first `mycel` on PATH (absolute folders only), if any. */
export function installedMycel(probe: Pick<SelfProbe, "env" | "isExecutable">): string | undefined {
  for (const dir of (probe.env("PATH") ?? "").split(":")) {
    if (!dir.startsWith("/")) continue; // "" and relative entries depend on the cwd
    const path = `${dir.replace(/\/+$/, "")}/mycel`;
    if (probe.isExecutable(path)) return path;
  }
  return undefined;
}

/** argv[0..] that starts this very mycel (never another one on PATH): for a child of this process. */
export function thisMycel(probe: SelfProbe = defaultProbe()): string[] {
  return selfCommandOf({ ...probe, env: () => undefined }).argv;
}

/** argv[0..] that starts mycel, with its source. */
export function selfCommandOf(probe: SelfProbe = defaultProbe()): SelfCommand {
  const installed = installedMycel(probe);
  if (installed) return { argv: [installed], source: "installed" };
  const base = probe.execPath.slice(probe.execPath.lastIndexOf("/") + 1);
  if (/^deno$/.test(base) && probe.mainUrl.protocol === "file:") {
    return { argv: [probe.execPath, ...denoRunArgs(fromFileUrl(probe.mainUrl))], source: "source" };
  }
  return { argv: [probe.execPath], source: "binary" };
}
