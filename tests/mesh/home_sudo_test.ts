/**
 * @module home_sudo_test
 * Which home a command uses (src/storage/home_sudo.ts), with the passwd file
 * and the user id injected: `--home` and MYCEL_HOME win; as root under sudo
 * (or doas) the invoking user's home from passwd, with their XDG_DATA_HOME
 * only when it lies inside that home; a sudo user without a passwd entry
 * (or whose uid does not match SUDO_UID) is an error, never root's home;
 * without sudo, or sudo to another user, the usual order.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { resolveHome } from "../../src/storage/home.ts";
import { type HomeSystem, locateHome, passwdHome } from "../../src/storage/home_sudo.ts";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "ann:x:1000:1000:Ann,,,:/home/ann:/bin/bash",
  "bob:x:1001:1001::/srv/bob/:/bin/sh",
  "bad:x:1002:1002::relative/home:/bin/sh",
].join("\n") + "\n";

const root: HomeSystem = { uid: () => 0, passwd: () => PASSWD };
const user: HomeSystem = { uid: () => 1000, passwd: () => PASSWD };
const env = (vars: Record<string, string | undefined>) => (name: string) => vars[name];

Deno.test("under sudo as root, the invoking user's home is used, not root's", () => {
  const sudo = { SUDO_USER: "ann", SUDO_UID: "1000", HOME: "/root" };
  assert.deepEqual(locateHome(undefined, env(sudo), root), {
    root: "/home/ann/.local/share/mycel",
    how: "sudo",
    user: "ann",
  });
  assert.equal(resolveHome(undefined, env(sudo), root), "/home/ann/.local/share/mycel");
  // `sudo -E` keeps the user's XDG_DATA_HOME: used when it is inside their home.
  assert.equal(
    locateHome(undefined, env({ ...sudo, XDG_DATA_HOME: "/home/ann/data" }), root).root,
    "/home/ann/data/mycel",
  );
  assert.equal(
    locateHome(undefined, env({ ...sudo, XDG_DATA_HOME: "/root/.local/share" }), root).root,
    "/home/ann/.local/share/mycel",
  );
  assert.equal(
    locateHome(undefined, env({ DOAS_USER: "bob" }), root).root,
    "/srv/bob/.local/share/mycel",
  );
});

Deno.test("--home and MYCEL_HOME still win under sudo", () => {
  const sudo = { SUDO_USER: "ann", MYCEL_HOME: "/data/mycel" };
  assert.deepEqual(locateHome("/flag", env(sudo), root), { root: "/flag", how: "flag" });
  assert.deepEqual(locateHome(undefined, env(sudo), root), {
    root: "/data/mycel",
    how: "MYCEL_HOME",
  });
});

Deno.test("a sudo user without a usable passwd entry is an error, never root's home", () => {
  for (
    const vars of [
      { SUDO_USER: "carol", HOME: "/root" },
      { SUDO_USER: "bad", HOME: "/root" },
      { SUDO_USER: "ann", SUDO_UID: "1001", HOME: "/root" },
    ]
  ) {
    assert.throws(() => locateHome(undefined, env(vars), root), (e) => {
      assert.ok(isMycelError(e, "no_home"), String(e));
      assert.match(e.message, /has no home folder in \/etc\/passwd/);
      assert.match(e.hint!, /--home DIR/);
      return true;
    });
  }
  assert.throws(
    () =>
      locateHome(undefined, env({ SUDO_USER: "ann" }), { uid: () => 0, passwd: () => undefined }),
    (e) => isMycelError(e, "no_home"),
  );
});

Deno.test("without root, or sudo to root itself, the usual order applies", () => {
  assert.deepEqual(locateHome(undefined, env({ SUDO_USER: "ann", HOME: "/home/bob" }), user), {
    root: "/home/bob/.local/share/mycel",
    how: "HOME",
  });
  assert.equal(
    locateHome(undefined, env({ SUDO_USER: "root", HOME: "/root" }), root).root,
    "/root/.local/share/mycel",
  );
  assert.deepEqual(locateHome(undefined, env({ XDG_DATA_HOME: "/x" }), user), {
    root: "/x/mycel",
    how: "XDG_DATA_HOME",
  });
  assert.throws(() => locateHome(undefined, env({}), user), (e) => isMycelError(e, "no_home"));
});

Deno.test("passwdHome() reads the home field, checks the uid, refuses relative paths", () => {
  assert.equal(passwdHome(PASSWD, "ann"), "/home/ann");
  assert.equal(passwdHome(PASSWD, "ann", "1000"), "/home/ann");
  assert.equal(passwdHome(PASSWD, "ann", "0"), undefined);
  assert.equal(passwdHome(PASSWD, "bob"), "/srv/bob");
  assert.equal(passwdHome(PASSWD, "bad"), undefined);
  assert.equal(passwdHome(PASSWD, "an"), undefined);
  assert.equal(passwdHome("ann:x:1000:1000::/home/a\u0007nn:/bin/sh", "ann"), undefined);
});
