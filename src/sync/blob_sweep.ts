/**
 * @module blob_sweep
 * Manifest blobs no version names any more leave the home. A blob is kept
 * while some version in the folder state (of any folder, conflicting ones
 * too) has it in its manifest tree; the rest — the trees of versions since
 * replaced, and whatever a member made a device fetch for versions that
 * turned out bad — are deleted. Before, nothing ever left `blobs`: a
 * member's versions naming junk "roots" grew every device's home by their
 * size, for good (tests/folders/manifest_blob_fill_test.ts).
 *
 * It reads every version, so it runs only after a round stored blobs
 * (folder_apply_lists.ts) and once an hour with the folders' housekeeping
 * (folder_round.ts), not on every idle round.
 */

import { decodeFileVersion, mayNameManifest } from "../log/file_version_codec.ts";
import { decodeManifestNode } from "../files/manifest_codec.ts";
import type { Home } from "../storage/home_handle.ts";

/**
 * Delete the blobs no version names; returns how many went. One
 * transaction: a scan committing a version with its new blobs meanwhile is
 * seen whole or not at all.
 */
export function sweepBlobs(home: Home): Promise<number> {
  return home.write((w) => {
    const fl = w.folderLocal;
    const keep = new Set<string>();
    const walk = (hash: string) => {
      if (keep.has(hash)) return;
      keep.add(hash);
      const bytes = fl.blob(hash);
      // A node is [1, level, entries] in canonical CBOR (manifest_codec.ts): byte 2
      // is its level, so a leaf (the bulk of a tree) is known without decoding it.
      if (bytes === undefined || bytes.length < 3 || bytes[2] === 0) return;
      try {
        const node = decodeManifestNode(bytes);
        if (node.level > 0) { for (const e of node.entries) walk(e.hash); }
      } catch {
        // Not a node: it names nothing further.
      }
    };
    for (const [, , stored] of w.view.folders().allVersions()) {
      // Most versions name no manifest (small files), and their bytes say so.
      if (!mayNameManifest(stored.bytes)) continue;
      let v;
      try {
        v = decodeFileVersion(stored.bytes);
      } catch {
        continue;
      }
      if (v.kind === "file" && "manifest" in v.chunks) walk(v.chunks.manifest);
    }
    const drop = fl.blobIds().filter((h) => !keep.has(h));
    for (const h of drop) fl.dropBlob(h);
    return drop.length;
  });
}
