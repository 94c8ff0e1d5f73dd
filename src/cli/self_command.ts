/**
 * @module self_command
 * The argv that runs this very mycel again (for systemd units and cron):
 * the compiled binary itself, or `deno run -A main.ts` when run from source.
 */

import { fromFileUrl } from "./file_url.ts";

/** argv[0..] that starts mycel. */
export function selfCommand(): string[] {
  const exec = Deno.execPath();
  const base = exec.slice(exec.lastIndexOf("/") + 1);
  const main = new URL("../../main.ts", import.meta.url);
  if (/^deno(\.exe)?$/.test(base) && main.protocol === "file:") {
    return [exec, "run", "-A", fromFileUrl(main)];
  }
  return [exec];
}
