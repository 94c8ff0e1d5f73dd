/**
 * @module status_wireguard
 * What `mycel status` (status_json.ts) knows of the managed WireGuard
 * interface: its `wg show dump` when readable, or that it is gone. Apart
 * because it is the one part of the document that asks the system, not the
 * home, and it must stay cheap for a user without root.
 */

import type { Home } from "../storage/home_handle.ts";
import type { WgDump } from "../mesh/wg_dump.ts";
import { lazyImport } from "../lazy_import.ts";
import { isMycelError } from "../errors.ts";

/**
 * `wg show dump` of the managed interface, if there is one and it can be
 * read; `gone` when `mesh up` made it and it no longer exists (wireguard-go
 * killed, a reboot): status must not say the mesh is up on it; `unanswered`
 * when `wg` hung past its deadline (killed): the rest of status is still
 * worth showing, so that is a line of it, not the command's failure.
 */
export async function wireguardView(
  home: Home,
  signal?: AbortSignal,
): Promise<{ dump?: WgDump; gone?: string; unanswered?: string }> {
  const mesh = home.local.get("mesh");
  if (mesh === undefined) return {};
  const { linkExists, readWgDump } = await lazyImport<typeof import("../mesh/interface.ts")>(
    new URL("../mesh/interface.ts", import.meta.url),
  );
  const { systemRunner } = await lazyImport<typeof import("../mesh/system.ts")>(
    new URL("../mesh/system.ts", import.meta.url),
  );
  // Ctrl-C ends status (130); a `wg` that hangs is killed at its deadline
  // and said on the address line (a stuck wireguard-go control socket).
  const runner = systemRunner({ signal });
  let dump;
  try {
    dump = await readWgDump(runner, mesh.interface);
  } catch (e) {
    if (!isMycelError(e, "tool_timeout")) throw e;
    return { unanswered: `${e.value ?? "wg"}: ${e.reason}` };
  }
  if (dump !== undefined) return { dump };
  // Unreadable (no root) or gone: only then is the link looked up — on Linux
  // in sysfs, without starting `ip` on every status of a user without root.
  const there = Deno.build.os === "linux"
    ? await Deno.lstat(`/sys/class/net/${mesh.interface}`).then(
      () => true,
      (e) => !(e instanceof Deno.errors.NotFound), // no sysfs: say nothing
    )
    : await linkExists(runner, mesh.interface).catch((e) => {
      if (isMycelError(e, "sync_interrupted")) throw e;
      return true;
    });
  return there ? {} : { gone: mesh.interface };
}
