/**
 * `mesh up` is idempotent and routes only the peers' /32s, refuses another
 * interface name while the mesh is up on one, leaves a user's route to a
 * peer's address alone (refusing, nothing made), `doctor` names an
 * interface that also routes mesh addresses (as Tailscale's table 52 would),
 * `sync now` without root says in one line that it cannot update the
 * interface, `status` says the mesh is down when its wireguard-go died,
 * `mesh down` removes the interface and stops the wireguard-go process mycel
 * started (checked by its PID), and `mesh up` without root explains what is
 * needed.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { childEnv, describe, MAIN_TS } from "../helpers/mycel.ts";
import { alive, cmdline, labTest, meshOf, sh } from "./_netns.ts";

const NOBODY = 65534;

labTest("mesh: up twice is idempotent, down stops wireguard-go, no root gives a hint", {
  nodes: ["a", "b"],
}, async (lab, t) => {
  await meshOf(lab, "star");
  const [a] = lab.nodes;

  // Runs as nobody: the binary and main.ts must be readable, and the home a
  // copy owned by nobody.
  const setpriv = ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups"];
  const probe = await a.exec("setpriv", [...setpriv, Deno.execPath(), "eval", "Deno.exit(0)"], {
    env: childEnv({ env: { HOME: "/tmp", DENO_DIR: undefined } }),
  });
  const why = probe.code === 0
    ? undefined
    : `cannot run deno as uid ${NOBODY} via setpriv: ${probe.stderr.trim().split("\n")[0]}`;
  if (why) console.log(`mesh_netns: skipping the no-root case: ${why}`);
  /** A copy of a's home owned by nobody, and a way to run mycel as nobody on it. */
  const asNobody = async (args: string[]) => {
    const dir = await Deno.makeTempDir({ prefix: "myc-nobody-" });
    lab.dirs.push(dir);
    await Deno.chmod(dir, 0o755);
    await sh("cp", ["-a", a.home, `${dir}/home`]);
    await sh("chown", ["-R", `${NOBODY}:${NOBODY}`, `${dir}/home`]);
    return await a.exec(
      "setpriv",
      [...setpriv, Deno.execPath(), ...denoRunArgs(MAIN_TS), ...args],
      {
        env: childEnv({ home: `${dir}/home`, env: { HOME: dir, DENO_DIR: undefined } }),
      },
    );
  };

  await t.step("mesh up again changes nothing", async () => {
    const pid = await a.statePid();
    assert.ok(pid !== undefined, "mesh up recorded no wireguard-go PID");
    assert.ok(await alive(pid));
    assert.ok((await cmdline(pid)).includes(a.ifname));
    assert.deepEqual(await a.wireguardGoPids(), [pid]);
    const before = { dump: await a.wgDump(), addresses: await a.addresses() };
    const r = await a.meshUp();
    assert.match(r.stdout, new RegExp(`^${a.ifname} updated \\(wireguard-go, port 51871\\)`));
    const after = { dump: await a.wgDump(), addresses: await a.addresses() };
    const peers = (d: typeof before.dump) =>
      d!.peers.map((p) => ({ key: p.publicKey, ips: p.allowedIps.sort(), ep: p.endpoint }));
    assert.deepEqual(peers(after.dump), peers(before.dump));
    assert.equal(after.dump!.publicKey, before.dump!.publicKey);
    assert.equal(after.dump!.listenPort, 51871);
    assert.deepEqual(after.addresses, before.addresses);
    const st = await a.status();
    assert.ok(after.addresses.includes(`${st.device.ipv4}/32`), after.addresses.join(" "));
    assert.ok(after.addresses.includes(`${st.device.ipv6}/48`), after.addresses.join(" "));
    // Only the peer's /32 is routed, not the whole of 100.64.0.0/10.
    assert.deepEqual(await a.routes4(), [`${await lab.node("b").meshIpv4()}`]);
    assert.equal(await a.statePid(), pid);
    assert.deepEqual(await a.wireguardGoPids(), [pid], "a second wireguard-go was started");
  });

  await t.step(
    "mesh up under another name while the mesh is up is refused, nothing made",
    async () => {
      const other = a.altIfname("x2");
      const args = ["mesh", "up", "--interface", other, "--port", "51872"];
      const r = await a.run(args);
      assert.equal(r.code, 1, describe(args, r));
      assert.match(
        r.stderr,
        new RegExp(`Cannot bring the mesh up: it is up on ${a.ifname} already`),
      );
      assert.match(r.stderr, /hint: Run `mycel mesh down` first/);
      assert.ok(!(await a.linkExists(other)), "before: a second interface with the same key");
      assert.equal((await a.status()).mesh.interface, a.ifname);
    },
  );

  await t.step("doctor names another interface that routes mesh addresses", async () => {
    // doctor exits 1 here (no schedule is installed): only its findings matter.
    const findings = JSON.parse((await a.run(["doctor", "--json"])).stdout).findings;
    const routes = findings.find((f: { check: string }) => f.check === "routes");
    assert.deepEqual(routes, {
      check: "routes",
      ok: true,
      detail: "no other interface routes the mesh's addresses",
    });
    // What Tailscale does: 100.64.0.0/10 through its own interface, in table 52.
    await sh("ip", ["-n", a.ns, "link", "add", "tsdummy0", "type", "veth", "peer", "tsdummy1"]);
    await sh("ip", ["-n", a.ns, "link", "set", "tsdummy0", "up"]);
    await sh("ip", ["-n", a.ns, "link", "set", "tsdummy1", "up"]);
    await sh("ip", ["-n", a.ns, "route", "add", "100.64.0.0/10", "dev", "tsdummy0", "table", "52"]);
    const r = await a.run(["doctor", "--json"]);
    const found = JSON.parse(r.stdout).findings.find((f: { check: string }) =>
      f.check === "routes"
    );
    assert.equal(found.ok, false, r.stdout);
    assert.match(found.detail, /tsdummy0 routes 100\.64\.0\.0\/10 \(table 52\), covering /);
    assert.ok(found.detail.includes(`${await lab.node("b").meshIpv4()}/32`), found.detail);
    assert.match(found.hint, /ip route get 100\./);
    await sh("ip", ["-n", a.ns, "link", "del", "tsdummy0"]);
  });

  await t.step({
    name: "sync now without root says in one line that it cannot update the interface",
    ignore: why !== undefined,
    fn: async () => {
      const args = ["sync", "now", "--timeout", "3"];
      const r = await asNobody(args);
      const notes = r.stderr.split("\n").filter((l) => l.startsWith("note:"));
      assert.equal(notes.length, 1, describe(args, r));
      assert.match(
        notes[0],
        new RegExp(`^note: ${a.ifname} is up but updating its peers needs root`),
      );
      assert.doesNotMatch(r.stderr, /error|internal/, describe(args, r));
    },
  });

  await t.step(
    "status says the mesh is down when its wireguard-go was killed; mesh up brings it back",
    async () => {
      const pid = (await a.statePid())!;
      Deno.kill(pid, "SIGKILL");
      const until = Date.now() + 5000;
      while ((await a.linkExists()) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(!(await a.linkExists()), "the tun interface outlived its wireguard-go");
      const st = await a.status();
      assert.equal(st.mesh.interface, null, "before: still named as up");
      assert.equal(st.mesh.gone, a.ifname);
      const text = await a.ok(["status"]);
      assert.match(
        text.stdout,
        new RegExp(`\\(mesh down: ${a.ifname} is gone; run \`mycel mesh up\`\\)`),
      );
      await a.meshUp();
      assert.ok(await a.linkExists());
      const back = await a.status();
      assert.equal(back.mesh.interface, a.ifname);
      assert.equal(back.mesh.gone, null);
    },
  );

  await t.step("mesh down removes the interface and the wireguard-go process", async () => {
    const pid = (await a.statePid())!;
    const r = await a.ok(["mesh", "down", "--interface", a.ifname]);
    assert.equal(r.stdout.trim(), `${a.ifname} removed`);
    assert.ok(!(await a.linkExists()), "interface still exists");
    const until = Date.now() + 3000;
    while ((await alive(pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!(await alive(pid)), `wireguard-go (pid ${pid}) survived mesh down`);
    assert.deepEqual(await a.wireguardGoPids(), []);
    assert.equal((await a.status()).mesh.interface, null);
    assert.equal(await a.statePid(), undefined);
    const again = await a.ok(["mesh", "down", "--interface", a.ifname]);
    assert.equal(again.stdout.trim(), `${a.ifname} was not up`);
  });

  await t.step(
    "a route the user has to a peer's mesh address is neither replaced nor deleted",
    async () => {
      const peer = `${await lab.node("b").meshIpv4()}/32`;
      await sh("ip", ["-n", a.ns, "link", "add", "userdev0", "type", "veth", "peer", "userdev1"]);
      await sh("ip", ["-n", a.ns, "link", "set", "userdev0", "up"]);
      await sh("ip", ["-n", a.ns, "route", "add", peer, "dev", "userdev0"]);
      try {
        const args = ["mesh", "up", "--interface", a.ifname];
        const r = await a.run(args);
        assert.equal(r.code, 1, describe(args, r));
        assert.match(
          r.stderr,
          new RegExp(
            `Cannot route a mesh peer: another route to that address exists.*\\(${peer}\\)`,
          ),
        );
        assert.match(r.stderr, /hint: `ip route get /);
        assert.ok(!(await a.linkExists()), "a failed mesh up leaves nothing behind");
        assert.deepEqual(
          await a.routes4("userdev0"),
          [peer.replace("/32", "")],
          "before: replaced",
        );
      } finally {
        await sh("ip", ["-n", a.ns, "link", "del", "userdev0"]);
      }
    },
  );

  await t.step({
    name: "mesh up without root gives the hint",
    ignore: why !== undefined,
    fn: async () => {
      const ifname = a.altIfname("nr");
      const args = ["mesh", "up", "--interface", ifname];
      const r = await asNobody(args);
      assert.equal(r.code, 1, describe(args, r));
      assert.match(r.stderr, /needs root/, describe(args, r));
      assert.match(r.stderr, /hint: .*sudo mycel mesh up.*CAP_NET_ADMIN/, describe(args, r));
      assert.ok(!(await a.linkExists(ifname)), "the interface was created without root");
    },
  });
});
