/**
 * A folder's chunk boundaries are keyed by a secret of its own
 * (src/files/chunk_key.ts), not by the mesh id, which cards print: the key
 * is made with the share, in the same entry, so every device that sees the
 * folder chunks it alike, and from the mesh's secret and the id, so two
 * devices sharing one id unawares make the same key (identical files are no
 * conflict); it is kept out of `config list` and `mycel log`;
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
import { decodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { RegularFileVersion } from "../../src/log/file_version.ts";
import { gearSeedFromSecret } from "../../src/files/gear_seed.ts";
import { folderIdProblem } from "../../src/log/file_ops.ts";
import { checkConfigKey } from "../../src/log/ops.ts";
import { isReservedConfigKey } from "../../src/log/reserved_config.ts";
import type { StateView } from "../../src/log/state.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { chunksOfRow } from "../../src/sync/folder_apply_session.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, folderOf, put, sharedFolder, syncOk } from "./_helpers.ts";

/** A view holding only config values (all chunkSecret reads). */
const viewOf = (config: Record<string, unknown>) =>
  ({ config: (k: string) => config[k], observed: () => [] }) as unknown as StateView;

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

Deno.test("a folder's key comes from the mesh's secret and its id (random without one); chunkSecret() reads it, else the interim secret", () => {
  const view = viewOf({});
  const secret = new Uint8Array(32).fill(5);
  const value = (id: string, s?: Uint8Array) =>
    (newChunkKeyOp(id, view, s) as { value: string }).value;
  const op = newChunkKeyOp("docs", view, secret);
  assert.ok(op.type === "config.set" && op.key === chunkKeyName("docs"));
  assert.equal(fromBase64(value("docs", secret)).length, 32);
  assert.equal(value("docs", secret), value("docs", secret), "two devices derive the same key");
  assert.notEqual(value("docs", secret), value("docs2", secret), "one per folder");
  assert.notEqual(
    value("docs", secret),
    value("docs", new Uint8Array(32).fill(6)),
    "per mesh secret",
  );
  assert.notEqual(value("docs"), value("docs"), "random without a mesh secret");
  const interim = interimChunkSecret("mesh-1");
  const key = value("docs", secret);
  assert.deepEqual(
    chunkSecret(viewOf({ [chunkKeyName("docs")]: key }), "mesh-1", "docs"),
    fromBase64(key),
  );
  assert.deepEqual(chunkSecret(viewOf({}), "mesh-1", "docs"), interim);
  assert.deepEqual(
    chunkSecret(viewOf({ [chunkKeyName("other")]: key }), "mesh-1", "docs"),
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

  // b edits the file: its scan cuts with the same key.
  const edited = data.slice();
  edited[100] ^= 1;
  await put(rb, "big.bin", edited);
  await syncOk(b);
  await syncOk(a);
  assert.deepEqual(await Deno.readFile(join(ra, "big.bin")), edited);
  {
    using home = await Home.open(a.home);
    const bytes = home.view.folders().versionsAt("docs", "big.bin")[0].bytes;
    const chunks = chunksOfRow(decodeFileVersion(bytes) as RegularFileVersion)!;
    const seed = gearSeedFromSecret(fromBase64(keys[0]));
    assert.deepEqual(chunks, await chunkBytes(edited, DEFAULT_CHUNK_PARAMS, seed), "b's edit");
  }

  for (const args of [["config", "list", "--json"], ["log"], ["log", "--json"]]) {
    const out = (await a.ok(["--no-sync", ...args])).stdout;
    assert.ok(!out.includes(keys[0]), `${args.join(" ")} shows the key`);
  }
});

Deno.test("two devices that share folders under one id unawares cut identical files alike: no conflict copy", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of [a, b]) await d.serve();
  await syncOk(a);
  await syncOk(b); // one mesh secret on both
  const big = pseudoRandomBytes((1 << 20) + (64 << 10), 21); // over the 64 KiB smallest chunk
  const roots = [folderOf(a), folderOf(b)];
  for (const [i, d] of [a, b].entries()) {
    await put(roots[i], "big.bin", big);
    await put(roots[i], "small.txt", "the same\n");
    await d.ok(["--no-sync", "folder", "add", roots[i], "--id", "docs"]);
  }
  for (let i = 0; i < 2; i++) for (const d of [a, b]) await syncOk(d);
  for (const root of roots) {
    const names = [...Deno.readDirSync(root)].map((e) => e.name).filter((n) => !n.startsWith("."));
    assert.deepEqual(names.sort(), ["big.bin", "small.txt"], root);
    assert.deepEqual(await Deno.readFile(join(root, "big.bin")), big);
  }
});
