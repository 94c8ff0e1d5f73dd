/**
 * Folders with paths this device's user may not touch — a subfolder left
 * owned by root after a `sudo cp`, a file another user made private. The
 * devices run as an unprivileged user (root ignores permissions), through
 * `setpriv`; the test process, as root, puts the obstacles in place. A path
 * that can't be written is named and the rest arrives; a file or folder
 * that can't be read is named and never published as deleted; an old kept
 * version that can't be removed is named once and the round goes on, and a
 * folder of them that can't be listed is named apart, as such. Needs root
 * (CI runs as root) and a checkout `nobody` can read; skipped with a note
 * otherwise.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { Devices } from "../sync/_helpers.ts";
import { folderOf, put, sharedFolder, syncNow, syncOk, text } from "./_helpers.ts";
import { chownTree, NOBODY_UNAVAILABLE, USER } from "./_as_nobody.ts";

const CAN_RUN = NOBODY_UNAVAILABLE === undefined;
if (!CAN_RUN) console.log(`permissions_test: skipped: ${NOBODY_UNAVAILABLE}`);

/** Devices a and b, each as `USER` or as root (`false`). */
async function withDevices(
  asUser: [boolean, boolean],
  fn: (devs: Devices) => Promise<void>,
): Promise<void> {
  await using devs = new Devices();
  await devs.add("a", undefined, asUser[0] ? USER : {});
  await devs.add("b", undefined, asUser[1] ? USER : {});
  await fn(devs);
}

Deno.test({
  name:
    "a subfolder this device may not write into: its file is named, the rest arrives, and it follows once the folder is writable",
  ignore: !CAN_RUN,
  async fn() {
    await withDevices([false, true], async (devs) => {
      const [a, b] = devs.list;
      const [ra, rb] = await sharedFolder(devs, "docs", {
        seed: async (ra) => {
          await put(ra, "top.txt", "top\n");
          await put(ra, "locked/x.txt", "x\n");
          await put(ra, "locked/deep/z.txt", "z\n");
          await put(ra, "free/y.txt", "y\n");
        },
      });
      // Left owned by root on b (a `sudo` copy, say): b's user can't create files in it.
      await Deno.mkdir(join(rb, "locked"), { mode: 0o755 });
      const first = await syncNow(b);
      const shown = describe(["sync", "now"], first);
      assert.equal(first.code, 3, `files still to come: ${shown}`);
      assert.equal(await text(rb, "top.txt"), "top\n", shown);
      assert.equal(await text(rb, "free/y.txt"), "y\n", shown);
      assert.equal(await text(rb, "locked/x.txt"), undefined, shown);
      assert.match(
        first.stderr,
        /locked\/x\.txt: this user may not write into locked \(permission denied\)/,
        shown,
      );
      // A folder still to be made names the one that refused it, not itself.
      assert.match(
        first.stderr,
        /locked\/deep\/z\.txt: this user may not write into locked \(permission denied\)/,
        shown,
      );
      assert.doesNotMatch(first.stderr, /\.mycel-tmp/, "no temporary name in the message");
      assert.doesNotMatch(first.stdout + first.stderr, /internal error/i, shown);
      // Nothing of b's is lost or changed on a.
      assert.equal(await text(ra, "locked/x.txt"), "x\n");

      await Deno.chown(join(rb, "locked"), 65534, 65534);
      await syncOk(b);
      assert.equal(await text(rb, "locked/x.txt"), "x\n");
      assert.equal(await text(rb, "locked/deep/z.txt"), "z\n");
      await syncOk(a);
      assert.equal(await text(ra, "locked/x.txt"), "x\n");
    });
  },
});

Deno.test({
  name:
    "a file or folder this device may not read is named and never published as deleted; other edits still go out",
  ignore: !CAN_RUN,
  async fn() {
    await withDevices([true, false], async (devs) => {
      const [a, b] = devs.list;
      const [ra, rb] = await sharedFolder(devs, "docs", {
        seed: async (ra) => {
          await put(ra, "a.txt", "one\n");
          await put(ra, "secret.txt", "secret\n");
          await put(ra, "private/p.txt", "p\n");
          await chownTree(ra);
        },
      });
      await syncOk(b);
      assert.equal(await text(rb, "private/p.txt"), "p\n");

      // Another user takes them over on a; a's user keeps editing the rest.
      await Deno.chown(join(ra, "secret.txt"), 0, 0);
      await Deno.chmod(join(ra, "secret.txt"), 0o600);
      await Deno.writeTextFile(join(ra, "secret.txt"), "changed by root\n");
      await Deno.chown(join(ra, "private"), 0, 0);
      await Deno.chmod(join(ra, "private"), 0o700);
      await Deno.writeTextFile(join(ra, "a.txt"), "two\n");
      await Deno.chown(join(ra, "a.txt"), 65534, 65534);

      const first = await syncNow(a);
      const shown = describe(["sync", "now"], first);
      assert.equal(first.code, 0, shown);
      assert.doesNotMatch(first.stdout + first.stderr, /internal error/i, shown);
      assert.match(first.stderr, /folder docs: 2 paths not synced here:/, shown);
      assert.match(first.stderr, /not synced: secret\.txt: it can't be read \(permission denied\)/);
      assert.match(
        first.stderr,
        /not synced: private: the folder can't be listed \(permission denied\)/,
      );
      // Said once: the next round (a timer's log) does not repeat it.
      const again = await syncNow(a);
      assert.doesNotMatch(again.stderr, /not synced/, describe(["sync", "now"], again));
      // …and `folder status` lists them any time.
      const status = await a.ok(["folder", "status"]);
      assert.match(status.stdout, /not synced: secret\.txt: it can't be read/, status.stdout);
      assert.match(status.stdout, /not synced: private: the folder can't be listed/, status.stdout);
      const [json] = await a.tmp.json<{ not_synced_count: number }[]>([
        "folder",
        "status",
        "--json",
      ]);
      assert.equal(json.not_synced_count, 2);
      await syncOk(b);
      assert.equal(await text(rb, "a.txt"), "two\n", "the readable edit went out");
      assert.equal(await text(rb, "secret.txt"), "secret\n", "not deleted, not changed");
      assert.equal(await text(rb, "private/p.txt"), "p\n", "not deleted");
    });
  },
});

Deno.test({
  name:
    "sharing or joining a folder this user may not write into names the folder, not the home, and changes nothing",
  ignore: !CAN_RUN,
  async fn() {
    await withDevices([true, true], async (devs) => {
      const [a, b] = devs.list;
      const locked = a.tmp.path("root-owned");
      await Deno.mkdir(locked, { mode: 0o755 });
      await Deno.writeTextFile(join(locked, "x.txt"), "x\n");
      const before = await a.digest();
      const add = await a.run(["--no-sync", "folder", "add", locked, "--id", "other"]);
      const shownAdd = describe(["folder", "add"], add);
      assert.equal(add.code, 1, shownAdd);
      assert.ok(
        add.stderr.includes(`Cannot share folder: this user may not write into it (${locked})`),
        shownAdd,
      );
      assert.doesNotMatch(add.stderr, /mycel\.db|internal error/, shownAdd);
      assert.equal(await a.digest(), before, "nothing was shared");

      // b's user can't make the folder under a root-owned parent.
      const shared = sharedFolder(devs, "docs", {
        roots: [undefined, join(locked, "docs")],
        seed: chownTree,
      });
      await shared.then(
        () => assert.fail("the join should have failed"),
        (e) => {
          const text = String((e as Error).message);
          assert.match(text, /Cannot join folder: this user may not write into it/, text);
          assert.doesNotMatch(text, /mycel\.db|internal error/, text);
        },
      );
      const list = await b.tmp.json<{ folders: unknown[] }>(["folder", "list", "--json"]);
      assert.deepEqual(list.folders, [], "b joined nothing");
    });
  },
});

Deno.test({
  name:
    "an old kept version this device may not remove is named once and in folder status; the round goes on",
  ignore: !CAN_RUN,
  async fn() {
    await withDevices([false, true], async (devs) => {
      const [a, b] = devs.list;
      await devs.peer(a, b);
      for (const d of devs.list) await d.serve();
      // docs and a second folder, applied after it: the round must get to it.
      // b keeps no versions of docs (--keep-days 0): it prunes every round.
      const [ra, rb] = [folderOf(a), folderOf(b)];
      const [pa, pb] = [folderOf(a, "pics"), folderOf(b, "pics")];
      await put(ra, "top.txt", "top\n");
      await put(pa, "p.txt", "p\n");
      await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
      await a.ok(["--no-sync", "folder", "add", pa, "--id", "pics"]);
      await syncOk(b);
      await b.ok(["--no-sync", "folder", "join", "docs", rb, "--keep-days", "0"]);
      await b.ok(["--no-sync", "folder", "join", "pics", pb]);
      // A version kept in 2020, in a folder left to root under b's
      // `.mycel/versions`: b's user can't remove it.
      const old = ".mycel/versions/sub/old~20200101-000000-000.txt";
      await put(rb, old, "old\n");
      await chownTree(join(rb, ".mycel"));
      await Deno.chown(join(rb, ".mycel/versions/sub"), 0, 0);
      await Deno.chown(join(rb, old), 0, 0);

      const first = await syncNow(b);
      const shown = describe(["sync", "now"], first);
      assert.equal(first.code, 0, shown);
      assert.doesNotMatch(first.stdout + first.stderr, /internal error|Cannot continue/i, shown);
      assert.equal(await text(rb, "top.txt"), "top\n", shown);
      assert.equal(await text(pb, "p.txt"), "p\n", `the next folder was applied: ${shown}`);
      assert.match(
        first.stderr,
        /folder docs: 1 old version past its retention \(--keep-days\) can't be removed:/,
        shown,
      );
      const line =
        /old version not removed: \.mycel\/versions\/sub\/old~20200101-000000-000\.txt: it can't be removed \(permission denied\)/;
      assert.match(first.stderr, line, shown);
      assert.match(first.stderr, /delete them by hand/, shown);
      assert.equal(await text(rb, old), "old\n", "still there");
      // Said once: the next round (which prunes again) does not repeat it;
      // `folder status` keeps it.
      await put(ra, "more.txt", "more\n");
      await syncOk(a);
      const again = await syncNow(b);
      assert.equal(again.code, 0, describe(["sync", "now"], again));
      assert.doesNotMatch(again.stderr, /not removed/, describe(["sync", "now"], again));
      assert.equal(await text(rb, "more.txt"), "more\n");
      const status = await b.ok(["folder", "status", "docs"]);
      assert.match(status.stdout, line, status.stdout);
      const [json] = await b.tmp.json<{ not_removed_count: number }[]>(
        ["folder", "status", "docs", "--json"],
      );
      assert.equal(json.not_removed_count, 1);
    });
  },
});

Deno.test({
  name:
    "a folder of old versions this device may not list is said as such, apart from versions it may not remove, in sync now and folder status",
  ignore: !CAN_RUN,
  async fn() {
    await withDevices([false, true], async (devs) => {
      const [a, b] = devs.list;
      await devs.peer(a, b);
      for (const d of devs.list) await d.serve();
      const [ra, rb] = [folderOf(a), folderOf(b)];
      await put(ra, "top.txt", "top\n");
      await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
      await syncOk(b);
      // b keeps no versions (--keep-days 0): it sweeps every round.
      await b.ok(["--no-sync", "folder", "join", "docs", rb, "--keep-days", "0"]);
      // Under b's `.mycel/versions`, left to root: `sub` b's user may list
      // but not change (its version can't be removed), `locked` it may not
      // even list (what it holds is not known).
      const old = ".mycel/versions/sub/old~20200101-000000-000.txt";
      await put(rb, old, "old\n");
      await put(rb, ".mycel/versions/locked/x~20200101-000000-000.txt", "x\n");
      await chownTree(join(rb, ".mycel"));
      for (const p of [".mycel/versions/sub", old, ".mycel/versions/locked"]) {
        await Deno.chown(join(rb, p), 0, 0);
      }
      await Deno.chmod(join(rb, ".mycel/versions/locked"), 0o700);

      const first = await syncNow(b);
      const shown = describe(["sync", "now"], first);
      assert.equal(first.code, 0, shown);
      assert.equal(await text(rb, "top.txt"), "top\n", shown);
      const removed =
        /old version not removed: \.mycel\/versions\/sub\/old~20200101-000000-000\.txt: it can't be removed \(permission denied\)/;
      const listed =
        /folder of old versions not listed: \.mycel\/versions\/locked: permission denied/;
      assert.match(
        first.stderr,
        /folder docs: 1 old version past its retention \(--keep-days\) can't be removed:/,
        shown,
      );
      assert.match(first.stderr, removed, shown);
      assert.match(
        first.stderr,
        /folder docs: 1 folder of old versions \(\.mycel\/versions\) can't be listed, so what it holds is not pruned:/,
        shown,
      );
      assert.match(first.stderr, listed, shown);
      assert.match(first.stderr, /let this user read it/, shown);
      assert.doesNotMatch(
        first.stderr,
        /old version not removed: \.mycel\/versions\/locked/,
        shown,
      );

      const status = await b.ok(["folder", "status", "docs"]);
      assert.match(status.stdout, removed, status.stdout);
      assert.match(status.stdout, listed, status.stdout);
      const [json] = await b.tmp.json<
        {
          not_removed: unknown[];
          not_removed_count: number;
          not_listed: unknown[];
          not_listed_count: number;
        }[]
      >(["folder", "status", "docs", "--json"]);
      assert.deepEqual(json.not_removed, [{
        path: old,
        reason: "it can't be removed (permission denied)",
      }]);
      assert.equal(json.not_removed_count, 1);
      assert.deepEqual(json.not_listed, [{
        path: ".mycel/versions/locked",
        reason: "permission denied",
      }]);
      assert.equal(json.not_listed_count, 1);

      // Given to b's user, it is listed and pruned: said once, and gone from folder status.
      await chownTree(join(rb, ".mycel/versions/locked"));
      await put(ra, "more.txt", "more\n");
      await syncOk(a);
      const again = await syncNow(b);
      const shownAgain = describe(["sync", "now"], again);
      assert.match(
        again.stderr,
        /folder docs: every folder of old versions can be listed again/,
        shownAgain,
      );
      assert.doesNotMatch(again.stderr, /not removed/, shownAgain);
      assert.equal(await text(rb, ".mycel/versions/locked/x~20200101-000000-000.txt"), undefined);
      const [after] = await b.tmp.json<{ not_listed_count: number; not_removed_count: number }[]>(
        ["folder", "status", "docs", "--json"],
      );
      assert.deepEqual([after.not_listed_count, after.not_removed_count], [0, 1]);
    });
  },
});

Deno.test({
  name:
    "a folder whose root this user can't look into is stopped, named as such, and the rest of the round goes on",
  ignore: !CAN_RUN,
  async fn() {
    await withDevices([false, true], async (devs) => {
      const [a, b] = devs.list;
      const [ra, rb] = await sharedFolder(devs, "docs", {
        seed: async (ra) => {
          for (const f of ["1.txt", "2.txt", "3.txt"]) await put(ra, f, `${f}\n`);
        },
      });
      await syncOk(b);
      assert.equal(await text(rb, "1.txt"), "1.txt\n");
      await a.ok(["pref", "set", "theme", "dark"]);
      // b's user owns its folder but may no longer search it: the marker can't be looked at.
      await Deno.chmod(rb, 0o600);
      const r = await syncNow(b);
      const shown = describe(["sync", "now"], r);
      assert.equal(r.code, 1, shown);
      assert.match(
        r.stderr,
        /folder docs at \S+ stopped: this user can't look at its marker \(permission denied\)/,
        shown,
      );
      assert.match(r.stderr, /let this user into the folder|Let this user into the folder/, shown);
      assert.doesNotMatch(r.stderr, /Cannot continue|marker missing|disk not mounted/, shown);
      // The entries of the round came all the same.
      assert.equal((await b.ok(["pref", "get", "theme"])).stdout.trim(), "dark", shown);
      const st = await b.ok(["folder", "status", "--json"]);
      const status = JSON.parse(st.stdout) as {
        devices: { self: boolean; state: string; stopped: string }[];
      }[];
      const self = status[0].devices.find((d) => d.self)!;
      assert.equal(self.state, "stopped");
      assert.match(self.stopped, /can't look at its marker \(permission denied\)/);
      const scan = await b.run(["folder", "scan"]);
      assert.equal(scan.code, 1, describe(["folder", "scan"], scan));
      assert.match(scan.stdout + scan.stderr, /can't look at its marker \(permission denied\)/);
      // Nothing of it went out as deleted: a keeps every file, and b gets going again once let in.
      await syncOk(a);
      assert.deepEqual([await text(ra, "1.txt"), await text(ra, "3.txt")], ["1.txt\n", "3.txt\n"]);
      await Deno.chmod(rb, 0o700);
      await put(ra, "4.txt", "4.txt\n");
      await syncOk(a);
      await syncOk(b);
      assert.equal(await text(rb, "4.txt"), "4.txt\n");
    });
  },
});
