/**
 * `sudo mycel mesh up` works on the invoking user's mesh, not a second one
 * under root's home: it says which home it uses, brings the interface up
 * from that home, and afterwards every file in the home belongs to the user
 * again — while a link the user planted there never makes root chown a file
 * elsewhere. Run as root for a sudo user with no mycel home, or as root with
 * none of its own, a mesh command refuses with a hint and creates nothing.
 *
 * The sudo user exists only in a passwd file bind-mounted over /etc/passwd
 * in a private mount namespace (`unshare --mount`), inside the lab's
 * network namespace; sudo itself is not needed: SUDO_USER/SUDO_UID are what
 * it sets.
 */

import assert from "node:assert/strict";
import { childEnv, describe, MAIN_TS } from "../helpers/mycel.ts";
import type { ProcResult } from "../helpers/process.ts";
import { labTest, type Node, sh } from "./_netns.ts";

const ANN = 4242;

async function owners(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      out.set(p, (await Deno.lstat(p)).uid!);
      if (e.isDirectory) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

/** Run mycel as root "under sudo" with `passwd` mounted over /etc/passwd. */
function asSudo(
  n: Node,
  passwd: string,
  vars: Record<string, string>,
  args: string[],
): Promise<ProcResult> {
  const script = 'mount --bind "$0" /etc/passwd && exec "$@"';
  return n.exec("unshare", [
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    script,
    passwd,
    Deno.execPath(),
    "run",
    "-A",
    MAIN_TS,
    ...args,
  ], { env: childEnv({ env: vars }) });
}

labTest(
  "mesh: under sudo, mesh commands use the invoking user's home and never found a second mesh",
  {
    nodes: ["a"],
  },
  async (lab, t) => {
    const [a] = lab.nodes;
    const annHome = `${a.dir}/ann`;
    const home = `${annHome}/.local/share/mycel`;
    const rootHome = `${a.dir}/root`;
    await Deno.mkdir(rootHome);
    const passwd = `${a.dir}/passwd`;
    await Deno.writeTextFile(
      passwd,
      `root:x:0:0:root:${rootHome}:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n` +
        `ann:x:${ANN}:${ANN}::${annHome}:/bin/sh\n`,
    );
    // Ann's mesh, made as Ann would (here: by root, then handed to her).
    const init = await a.exec(Deno.execPath(), [
      "run",
      "-A",
      MAIN_TS,
      "--home",
      home,
      "init",
      "--name",
      "laptop",
    ], { env: childEnv() });
    assert.equal(init.code, 0, describe(["init"], init));
    // What a hostile user could plant: links to a file that is root's.
    const victim = `${a.dir}/victim`;
    await Deno.writeTextFile(victim, "root's\n", { mode: 0o600 });
    await Deno.symlink(victim, `${home}/trap-link`);
    await Deno.link(victim, `${home}/trap-hard`);
    await sh("chown", ["-R", "-h", `${ANN}:${ANN}`, annHome]);
    await sh("chown", ["0:0", victim]);
    const sudo = { SUDO_USER: "ann", SUDO_UID: String(ANN), HOME: rootHome };

    await t.step("sudo mesh up says which home it uses and brings that mesh up", async () => {
      const args = ["mesh", "up", "--interface", a.ifname];
      const r = await asSudo(a, passwd, sudo, args);
      assert.equal(r.code, 0, describe(args, r));
      assert.match(
        r.stderr,
        new RegExp(`^home: ${home.replaceAll(".", "\\.")} \\(ann's, through sudo\\)$`, "m"),
      );
      assert.ok(await a.linkExists(), "no interface");
      // Root reads a user's home only when delegated (sudo), as here.
      const st = await asSudo(a, passwd, sudo, ["status", "--json"]);
      assert.equal(st.code, 0, describe(["status", "--json"], st));
      assert.equal(JSON.parse(st.stdout).mesh.interface, a.ifname);
      const rootOwned = [...(await owners(annHome))].filter(([p, uid]) =>
        uid !== ANN && !p.endsWith("trap-hard")
      );
      assert.deepEqual(rootOwned, [], "files root wrote were not given back to ann");
      assert.equal(
        (await Deno.stat(victim)).uid,
        0,
        "root chowned a file outside the home through a link",
      );
      assert.ok(
        !(await Deno.stat(`${rootHome}/.local`).then(() => true, () => false)),
        "a home was made under root's",
      );
    });

    await t.step("sudo mesh down takes it down from the same home", async () => {
      const args = ["mesh", "down", "--interface", a.ifname];
      const r = await asSudo(a, passwd, sudo, args);
      assert.equal(r.code, 0, describe(args, r));
      assert.ok(!(await a.linkExists()));
      assert.deepEqual(await a.wireguardGoPids(), []);
    });

    await t.step(
      "as root with no mycel home, mesh commands refuse instead of founding a mesh",
      async () => {
        const ifname = a.altIfname("nh");
        for (
          const [vars, hint] of [
            [
              { SUDO_USER: "nobody", SUDO_UID: "65534", HOME: rootHome },
              /Run `mycel init` .* as nobody first/,
            ],
            [{ HOME: rootHome }, /Run it with sudo from the account whose mesh it is/],
          ] as const
        ) {
          const args = ["mesh", "up", "--interface", ifname];
          const r = await asSudo(a, passwd, vars, args);
          assert.equal(r.code, 1, describe(args, r));
          assert.match(
            r.stderr,
            /Cannot bring the mesh up: there is no mycel home there/,
            describe(args, r),
          );
          assert.match(r.stderr, hint, describe(args, r));
          assert.ok(!(await a.linkExists(ifname)), "an interface was made");
        }
        assert.ok(
          !(await Deno.stat(`${rootHome}/.local`).then(() => true, () => false)),
          "root founded a mesh",
        );
      },
    );
  },
);
