/**
 * @module sync_now_round
 * What one `mycel sync now` does once it holds the round guard
 * (sync.ts): scan the synced folders, run the round with every peer, apply
 * what the after-round brings (WireGuard, removal, lost own entries), then
 * fetch the files, telling each step as it goes. Apart from the command's
 * spec because this is the round's course, which the flags only steer.
 */

import { ExitCode, interruptedError, MycelError } from "../../errors.ts";
import type { CommandContext } from "../command.ts";
import { REJOIN_HINT, removalInOutcomes, removalMessage } from "../removal.ts";
import { homeRoot } from "../session.ts";
import { massDeleteConfirm } from "../mass_delete.ts";
import { discoveryOn, fileBudget, sessionTuning } from "../sync_bounds.ts";
import { filesByPeer, outcomeLine, outcomesJson, roundExitCode } from "../sync_outcome.ts";
import { printScanNotes } from "../scan_notes.ts";
import { reportFolders } from "../sync_folders_report.ts";
import { foldersJson } from "../sync_folders_json.ts";
import type { FolderOutcome } from "../../sync/folder_round.ts";
import { lazyImport } from "../../lazy_import.ts";
import { type Offer, offerLine, offersIn } from "../new_offers.ts";

/** One `sync now` round, the round guard held (sync.ts took it). */
export async function syncNow(
  ctx: CommandContext,
  o: {
    json: boolean;
    timeoutMs: number;
    all: boolean;
    quiet: boolean;
    push: boolean;
    yes: boolean;
    /** Every folder's outcome (a line each; with --json, {peers, folders}). */
    folders?: boolean;
  },
): Promise<number> {
  const { syncRound } = await lazyImport<typeof import("../../sync/round.ts")>(
    new URL("../../sync/round.ts", import.meta.url),
  );
  const { meshRoutes } = await lazyImport<typeof import("../routes.ts")>(
    new URL("../routes.ts", import.meta.url),
  );
  const { addressesFrom } = await lazyImport<typeof import("../../sync/self_record.ts")>(
    new URL("../../sync/self_record.ts", import.meta.url),
  );
  const { meshView } = await lazyImport<typeof import("../mesh_view.ts")>(
    new URL("../mesh_view.ts", import.meta.url),
  );
  const routes = meshRoutes(ctx.now, (ifname) => meshView(ifname, undefined, ctx.signal));
  // Folders: local changes are scanned and published first, so they travel in this round.
  const folderOptions = {
    now: ctx.now,
    env: ctx.env,
    timeoutMs: o.timeoutMs,
    routes,
    tuning: sessionTuning(ctx.env),
    progress: o.quiet || o.json ? undefined : ctx.out.progress,
    confirmMassDelete: massDeleteConfirm(ctx, o.yes),
    budget: fileBudget(ctx.env),
    // Ctrl-C stops a scan (nothing of it recorded) as it stops the fetching.
    signal: ctx.signal,
    // run() took the round guard: a hold the scan finds is a dead round's.
    roundGuard: true,
  };
  const folderRound = o.push
    ? undefined
    : await lazyImport<typeof import("../../sync/folder_round.ts")>(
      new URL("../../sync/folder_round.ts", import.meta.url),
    );
  let scans: Awaited<ReturnType<NonNullable<typeof folderRound>["scanFolders"]>> = [];
  try {
    if (folderRound) scans = await folderRound.scanFolders(homeRoot(ctx), folderOptions);
  } catch (e) {
    // Ctrl-C during the scan: --json still prints one document (no session ran).
    if (o.json && ctx.signal.aborted) ctx.out.json(o.folders ? { peers: [], folders: null } : []);
    throw e;
  }
  if (!o.quiet && !o.json) printScanNotes(ctx, scans);
  // The round's view of local state says whether a mesh interface is recorded.
  let mesh: { interface: string } | undefined | "unknown" = "unknown";
  let recovering: { have: number; upTo: number } | undefined;
  // Folders shared elsewhere that this round brought: said once (new_offers.ts).
  const tell = !o.json && !o.quiet && !o.push;
  let offered: Map<string, Offer> | undefined;
  let newOffers: Offer[] = [];
  const outcomes = await syncRound(homeRoot(ctx), {
    now: ctx.now,
    start: (home) => {
      if (tell) offered = offersIn(home);
    },
    finally: (home) => {
      // After repair, writes wait for this device's own lost entries.
      const upTo = home.local.get("recoverOwnTo");
      const have = home.log.head(home.device)?.seq ?? 0;
      if (upTo !== undefined && have < upTo) recovering = { have, upTo };
      if (offered !== undefined) {
        newOffers = [...offersIn(home).values()].filter((x) => !offered!.has(x.id));
      }
    },
    env: ctx.env,
    timeoutMs: o.timeoutMs,
    all: o.all,
    routes: (peer, home) => {
      mesh = home.local.get("mesh");
      return routes(peer, home);
    },
    tuning: sessionTuning(ctx.env),
    // The device's own record follows its addresses (checked each round).
    addresses: () => addressesFrom(ctx.env),
    // A background push after a write stays quick: no probe.
    ...(o.push || !discoveryOn(ctx.env) ? {} : { discovery: {} }),
    // Compaction (at most daily) belongs to the timer's rounds, not to pushes after a write.
    compact: !o.push,
    progress: o.quiet ? undefined : ctx.out.progress,
    // Each peer's line as its session ends (everything it sent is stored by
    // then), not all of them after the slowest.
    onOutcome: o.json || o.quiet ? undefined : (out) => {
      ctx.out.progress("");
      ctx.out.line(outcomeLine(out));
    },
    // Ctrl-C: no session waits on its peer any more.
    signal: ctx.signal,
  });
  // --json prints the rows once, after the file phase when one runs (each
  // row says what it fetched from that peer), and before any error.
  let printed = false;
  const printJson = (folders?: FolderOutcome[]) => {
    if (!o.json || printed) return;
    printed = true;
    const files = folders === undefined ? undefined : filesByPeer(folders);
    const peers = outcomesJson(outcomes, files);
    // --folders: an object with each folder's outcome (null when no file
    // phase ran); without it the array of peers, as scripts read it.
    ctx.out.json(
      o.folders
        ? { peers, folders: folders === undefined ? null : foldersJson(folders, scans) }
        : peers,
    );
  };
  if (ctx.signal.aborted) {
    printJson(); // what the sessions did before Ctrl-C, as after it in the file phase
    throw interrupted();
  }
  if (folderRound === undefined) printJson();
  // Ctrl-C or SIGTERM during the file phase: the rows at once (without what
  // it fetched), for main.ts ends the process 3 s later if the phase has not
  // wound down by then.
  ctx.signal.addEventListener("abort", () => printJson(), { once: true });
  if (!o.json && outcomes.length === 0 && !o.quiet) {
    ctx.out.line("No peers yet: add one with `mycel pair` (or `mycel mesh add-peer`).");
  }
  for (const offer of newOffers) ctx.out.line(offerLine(offer));
  try {
    // Revoked devices leave this device's WireGuard within the round.
    const { afterRound } = await lazyImport<typeof import("./mesh_after_round.ts")>(
      new URL("./mesh_after_round.ts", import.meta.url),
    );
    for (
      const note of await afterRound(homeRoot(ctx), {
        now: ctx.now,
        env: ctx.env,
        mesh,
        signal: ctx.signal,
      })
    ) {
      ctx.out.error(note);
    }
    const removal = removalInOutcomes(outcomes);
    if (removal) {
      throw new MycelError("removed", "sync", removalMessage(removal), {
        hint: REJOIN_HINT,
      });
    }
    let code = roundExitCode(outcomes.map((x) => x.status));
    // A round that did not bring the lost entries back (no peer, none reached
    // that holds them) has not done its job: changes here still wait.
    if (recovering !== undefined) {
      if (!o.quiet) {
        ctx.out.error(
          `note: this device's own log still lacks entries ${
            recovering.have + 1
          }–${recovering.upTo} ` +
            "(lost to damage, see `mycel repair`): no peer that holds them was reached, and " +
            "changes here wait until one is (or run `mycel repair --accept-loss`)",
        );
      }
      if (code === ExitCode.ok) code = ExitCode.unreachable;
    }
    if (folderRound === undefined) return code;
    // Ctrl-C or SIGTERM: no file is fetched any more (main.ts ends the process 3 s after it anyway).
    if (ctx.signal.aborted) throw interrupted();
    // Then files: every folder synced here is brought to the state this round delivered.
    const applied = await folderRound.applyFolders(homeRoot(ctx), folderOptions);
    printJson(applied);
    const { stopped, partial } = reportFolders(ctx, o, scans, applied);
    if (ctx.signal.aborted) throw interrupted();
    if (stopped) return ExitCode.failure;
    if (partial && code === ExitCode.ok) return ExitCode.unreachable;
    return code;
  } finally {
    printJson(); // an error on the way: the rows still come first
  }
}

/** A round stopped by Ctrl-C or SIGTERM: exit 130, like the pairing commands. */
function interrupted(): MycelError {
  return interruptedError("finish the sync round", {
    hint: "What it received so far (entries, what its files got) is kept; the next round " +
      "(`mycel sync now`) goes on from there.",
  });
}
