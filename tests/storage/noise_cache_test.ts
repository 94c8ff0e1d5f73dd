/**
 * The Noise pair kept in RAM for sealed or keyring keys (src/storage/noise_cache.ts):
 * only on tmpfs, only in a private directory, only a private regular file,
 * only while it matches the key file and the announced key.
 */

import assert from "node:assert/strict";
import {
  cacheDir,
  fsTypeOf,
  pairFile,
  readNoisePair,
  writeNoisePair,
} from "../../src/storage/noise_cache.ts";

const SHM = "/dev/shm";
const onLinuxRam = (await fsTypeOf(SHM)) === "tmpfs";

async function ramDir(): Promise<string> {
  return await Deno.makeTempDir({ dir: SHM, prefix: "mycel-noise-test-" });
}

const pair = {
  noisePublic: new Uint8Array(32).fill(7),
  noisePrivate: new Uint8Array(32).fill(9),
};

Deno.test("fsTypeOf() names the mount holding a path (proc, tmpfs), not a prefix of another name", async () => {
  if (!(await Deno.stat("/proc/self/mountinfo").catch(() => undefined))) {
    console.log("skipped: no /proc/self/mountinfo here");
    return;
  }
  assert.equal(await fsTypeOf("/proc/self"), "proc");
  assert.notEqual(await fsTypeOf("/procx"), "proc");
  if (onLinuxRam) assert.equal(await fsTypeOf(`${SHM}/anything`), "tmpfs");
});

Deno.test({
  name: "cacheDir() uses a private directory on tmpfs and refuses disk or shared places",
  ignore: !onLinuxRam,
  async fn() {
    const ram = await ramDir();
    const disk = await Deno.makeTempDir({ prefix: "mycel-noise-disk-" });
    try {
      const dir = await cacheDir((n) => (n === "XDG_RUNTIME_DIR" ? ram : undefined));
      assert.equal(dir, `${await Deno.realPath(ram)}/mycel`);
      assert.equal((await Deno.lstat(dir!)).mode! & 0o777, 0o700);
      // A runtime dir on disk: nothing is kept there.
      if ((await fsTypeOf(disk)) !== "tmpfs") {
        assert.equal(
          await cacheDir((n) => (n === "XDG_RUNTIME_DIR" ? disk : undefined)),
          undefined,
        );
        await assert.rejects(Deno.lstat(`${disk}/mycel`), Deno.errors.NotFound);
      }
      // Our directory opened to others: refused.
      await Deno.chmod(dir!, 0o755);
      assert.equal(await cacheDir((n) => (n === "XDG_RUNTIME_DIR" ? ram : undefined)), undefined);
    } finally {
      await Deno.remove(ram, { recursive: true });
      await Deno.remove(disk, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a kept pair is used only while it matches the key file and the announced key, and only as a private file",
  ignore: !onLinuxRam,
  async fn() {
    const dir = await ramDir();
    try {
      assert.equal(
        await readNoisePair(await pairFile(dir, "/h"), "1:2:3", pair.noisePublic),
        undefined,
      );
      assert.ok(await writeNoisePair(await pairFile(dir, "/h"), "1:2:3", pair));
      const [file] = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
      assert.equal((await Deno.lstat(file)).mode! & 0o777, 0o600);
      assert.deepEqual(
        await readNoisePair(await pairFile(dir, "/h"), "1:2:3", pair.noisePublic),
        pair,
      );
      // Another home, a replaced key file, another announced key: not used.
      assert.equal(
        await readNoisePair(await pairFile(dir, "/other"), "1:2:3", pair.noisePublic),
        undefined,
      );
      assert.equal(
        await readNoisePair(await pairFile(dir, "/h"), "1:2:4", pair.noisePublic),
        undefined,
      );
      assert.equal(
        await readNoisePair(await pairFile(dir, "/h"), "1:2:3", new Uint8Array(32)),
        undefined,
      );
      // Readable by others: not used.
      await Deno.chmod(file, 0o644);
      assert.equal(
        await readNoisePair(await pairFile(dir, "/h"), "1:2:3", pair.noisePublic),
        undefined,
      );
      // A link in its place: not followed.
      await Deno.remove(file);
      const elsewhere = `${dir}/elsewhere`;
      await writeNoisePair(await pairFile(dir, "/elsewhere"), "1:2:3", pair);
      const target = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`)[0];
      await Deno.rename(target, elsewhere);
      await Deno.symlink(elsewhere, file);
      assert.equal(
        await readNoisePair(await pairFile(dir, "/h"), "1:2:3", pair.noisePublic),
        undefined,
      );
      // Garbage: not used, no throw.
      await Deno.remove(file);
      await Deno.writeTextFile(file, "{not json", { mode: 0o600 });
      assert.equal(
        await readNoisePair(await pairFile(dir, "/h"), "1:2:3", pair.noisePublic),
        undefined,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
