/**
 * A folder's chunk boundaries are keyed by a secret of its own
 * (src/files/chunk_key.ts), not by the mesh id, which cards print: the key
 * is made with the share, in the same entry, so every device that sees the
 * folder chunks it alike; it is kept out of `config list` and `mycel log`;
 * a folder shared without one (an earlier release) keeps the interim secret
 * everywhere. The key name is a valid config key for every folder id.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { fromBase64 } from "../../src/bytes.ts";
import { DEFAULT_CHUNK_PARAMS } from "../../src/files/chunk_params.ts";
import {
  chunkKeyName,
  chunkSecret,
  interimChunkSecret,
  newChunkKeyOp,
} from "../../src/files/chunk_key.ts";
import { chunkBytes } from "../../src/files/content_chunker.ts";
import { decodeFileVersion, type RegularFileVersion } from "../../src/files/file_version.ts";
import { gearSeedFromSecret } from "../../src/files/gear_seed.ts";
import { folderIdProblem } from "../../src/log/file_ops.ts";
import { checkConfigKey } from "../../src/log/ops.ts";
import { isReservedConfigKey } from "../../src/log/reserved_config.ts";
import type { StateView } from "../../src/log/state.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { chunksOfRow } from "../../src/sync/folder_apply_session.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, put, sharedFolder, syncOk } from "./_helpers.ts";

/** A view holding only config values (all chunkSecret reads). */
const viewOf = (config: Record<string, unknown>) =>
  ({ config: (k: string) => config[k] }) as unknown as StateView;

Deno.test("a folder's key name is a reserved, valid config key for every folder id, one per id", () => {
  const idChar = fc.constantFrom(..."abcXYZ019._-");
  const ids = fc.tuple(fc.constantFrom(..."aZ7"), fc.array(idChar, { maxLength: 63 }))
    .map(([first, rest]) => first + rest.join(""));
  fc.assert(
    fc.property(ids, ids, (a, b) => {
      assert.equal(folderIdProblem(a), undefined);
      assert.equal(checkConfigKey(chunkKeyName(a)), chunkKeyName(a));
      assert.ok(isReservedConfigKey(chunkKeyName(a)));
      assert.equal(chunkKeyName(a) === chunkKeyName(b), a === b);
    }),
    { numRuns: 500 },
  );
  for (const id of ["a..b", "a".repeat(64), "x.", "9-_"]) checkConfigKey(chunkKeyName(id));
});

Deno.test("chunkSecret(): the folder's key when usable, else the mesh's interim secret", () => {
  const op = newChunkKeyOp("docs");
  assert.ok(op.type === "config.set" && op.key === chunkKeyName("docs"));
  const value = (op as { value: string }).value;
  assert.equal(fromBase64(value).length, 32);
  assert.notEqual((newChunkKeyOp("docs") as { value: string }).value, value, "random each time");
  const interim = interimChunkSecret("mesh-1");
  assert.deepEqual(
    chunkSecret(viewOf({ [chunkKeyName("docs")]: value }), "mesh-1", "docs"),
    fromBase64(value),
  );
  assert.deepEqual(chunkSecret(viewOf({}), "mesh-1", "docs"), interim);
  assert.deepEqual(
    chunkSecret(viewOf({ [chunkKeyName("other")]: value }), "mesh-1", "docs"),
    interim,
  );
  for (const bad of ["c2hvcnQ=", "not base64 at all!", 42, null]) {
    assert.deepEqual(
      chunkSecret(viewOf({ [chunkKeyName("docs")]: bad }), "mesh-1", "docs"),
      interim,
    );
  }
  assert.notDeepEqual(interimChunkSecret("mesh-2"), interim);
});

Deno.test("a shared folder is chunked with its own key on every device, never the mesh id's; the key stays out of config list and log", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  // Two chunks or more whatever the key (none is over 1 MiB), listed inline (eight at most:
  // see finish_queue_test.ts for how unlikely more is).
  const data = pseudoRandomBytes((1 << 20) + (64 << 10), 11);
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "big.bin", data),
  });
  await syncOk(b);
  await syncOk(a);
  assert.deepEqual(await Deno.readFile(join(rb, "big.bin")), data);

  const keys: string[] = [];
  for (const d of [a, b]) {
    using home = await Home.open(d.home);
    const value = home.view.config(chunkKeyName("docs"));
    assert.equal(typeof value, "string", `${d.name} holds the folder's key`);
    keys.push(value as string);
    const bytes = home.view.folders().versionsAt("docs", "big.bin")[0].bytes;
    const chunks = chunksOfRow(decodeFileVersion(bytes) as RegularFileVersion)!;
    const keyed = await chunkBytes(
      data,
      DEFAULT_CHUNK_PARAMS,
      gearSeedFromSecret(fromBase64(value as string)),
    );
    const interim = await chunkBytes(
      data,
      DEFAULT_CHUNK_PARAMS,
      gearSeedFromSecret(interimChunkSecret(home.meshId)),
    );
    assert.deepEqual(chunks, keyed, `${d.name}: cut with the folder's key`);
    assert.notDeepEqual(chunks, interim, `${d.name}: not with the mesh id's`);
  }
  assert.equal(keys[0], keys[1], "one key on every device");

  // b edits the file: its scan cuts with the same key (a's copy shares all but the changed chunk).
  const edited = data.slice();
  edited[100] ^= 1;
  await put(rb, "big.bin", edited);
  await syncOk(b);
  await syncOk(a);
  assert.deepEqual(await Deno.readFile(join(ra, "big.bin")), edited);

  for (const args of [["config", "list", "--json"], ["log"], ["log", "--json"]]) {
    const out = (await a.ok(["--no-sync", ...args])).stdout;
    assert.ok(!out.includes(keys[0]), `${args.join(" ")} shows the key`);
  }
});
