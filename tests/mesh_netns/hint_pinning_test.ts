/**
 * A stolen member keeps telling a device where "its WireGuard sees" another
 * device (NAT traversal's `seen`, src/sync/nat_hints.ts), pointing the dead
 * tunnel between the two at a bystander on the LAN. v sits behind a stateful
 * firewall (only replies to its own WireGuard packets get in, as behind a
 * home router), so only v can bring its tunnel to p up, and p's recorded
 * endpoint would work. The rogue (tests/sync/fixtures/rogue_peer.ts, the
 * real protocol with r's own keys) answers every round of v with the hint.
 * The first apply tries it; once the attempt's few minutes are over (v's
 * clock moved on with libfaketime), v's applies go back to p's recorded
 * endpoint although the rogue just told it again, and the tunnel comes up.
 * Before, every apply went where the hint said, for as long as the rogue
 * kept saying it.
 */

import assert from "node:assert/strict";
import { HINT_TRY_S } from "../../src/mesh/hint_attempts.ts";
import { fakeClock, findLibfaketime } from "../helpers/faketime.ts";
import { REPO_ROOT } from "../helpers/mycel.ts";
import { IN_CI, labTest, missingNft, type Node, pair, sh, WG_PORT } from "./_netns.ts";

const ROGUE = `${REPO_ROOT}/tests/sync/fixtures/rogue_peer.ts`;
const NO_NFT = await missingNft();
const NO_FAKETIME = findLibfaketime() === undefined ? "libfaketime is not installed" : undefined;

interface UpJson {
  endpoints: { device: string; endpoint: string | null; reason: string }[];
}

/** Only replies to v's own packets reach its WireGuard port. */
const FIREWALL = `table inet vfw {
  chain input {
    type filter hook input priority filter; policy accept;
    ct state established,related accept
    udp dport ${WG_PORT} drop
  }
}
`;

/** The rogue with r's home answers one session on r's address, telling `seen`. */
async function rogueAnswers(r: Node, seen: string): Promise<() => Promise<void>> {
  const p = r.start(Deno.execPath(), [
    "run",
    "-A",
    ROGUE,
    ...["--home", r.home, "--mode", "genuine", "--listen", `${r.ip}:7000`, "--seen", seen],
  ], { env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" }, timeoutMs: 60_000 });
  await p.waitFor(/listening on/);
  return async () => {
    const out = await p.result();
    assert.match(out.stdout, /"reply":"ok"/, `rogue: ${out.stdout}${out.stderr}`);
  };
}

const why = NO_NFT ?? NO_FAKETIME;
if (why && !IN_CI) {
  console.log(`mesh_netns: skipping hint_pinning_test: ${why}`);
} else {
  labTest(
    "a member that keeps hinting a bystander's address gets one short attempt: the dead tunnel then goes back to the recorded endpoint and comes up",
    { nodes: ["v", "p", "r", "l"] },
    async (lab) => {
      const [v, p, r, l] = lab.nodes;
      const hinted = `${l.ip}:${WG_PORT}`;
      await Promise.all([v, p, r].map((n) => n.init()));
      await pair(v, p);
      await pair(v, r);
      await sh("ip", ["netns", "exec", v.ns, "nft", "-f", "-"], FIREWALL);
      await p.serve();
      await p.meshUp("--no-sync");
      const pId = (await p.status()).device.id;
      const pKey = (await p.wgDump())!.publicKey;
      const toP = async () => (await v.wgDump())!.peers.find((x) => x.publicKey === pKey)!;

      // Round 1: the rogue says p is at the bystander; v's first mesh up tries it.
      let done = await rogueAnswers(r, `${pId}=${hinted}`);
      const first = await v.syncNow(6);
      await done();
      assert.equal(first.lines.find((x) => x.name === "p")?.status, "synced");
      const up = await v.json<UpJson>([
        "--no-sync",
        "mesh",
        "up",
        "--interface",
        v.ifname,
        "--json",
      ]);
      assert.deepEqual(up.endpoints.find((e) => e.device === pId), {
        device: pId,
        endpoint: hinted,
        reason: "told",
      });
      assert.equal((await toP()).endpoint, hinted);

      // The attempt is over; the rogue tells v the same again in its next round.
      const later = fakeClock(`+${HINT_TRY_S + 30}`);
      done = await rogueAnswers(r, `${pId}=${hinted}`);
      await v.run(["sync", "now", "--json", "--timeout", "6"], { env: v.env(later.env) });
      await done();
      // The apply after the round no longer keeps the tunnel where the rogue said…
      assert.equal((await toP()).endpoint, `${p.ip}:${WG_PORT}`, "pinned by the hint");
      // …nor does mesh up, and the tunnel to p's recorded endpoint comes up.
      const again = await v.run(
        ["--no-sync", "mesh", "up", "--interface", v.ifname, "--json"],
        { env: v.env(later.env) },
      );
      const choice = (JSON.parse(again.stdout) as UpJson).endpoints.find((e) => e.device === pId);
      assert.notEqual(choice?.reason, "told", JSON.stringify(choice));
      assert.ok(await v.waitPing(await p.meshIpv4(), 20_000), "no tunnel to p");
      assert.equal((await toP()).endpoint, `${p.ip}:${WG_PORT}`);
    },
  );
}
