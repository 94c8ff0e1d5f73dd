/**
 * A device updated to ChaChaPoly meets one on an earlier release (which
 * offers only Noise_IK_25519_AESGCM_SHA256, as releases before 2026-12-04
 * did): dialled under the new name, the old responder hangs up on the first
 * message; the initiator dials once more under the old name and the session
 * syncs. Before, an updated device could not reach a peer whose `sync serve`
 * still ran the earlier release (every session: "the peer hung up during
 * the handshake") — found when a helper's long-running servers outlived the
 * change. In one process over in-memory links (tests/sync/_mem_mesh.ts).
 */

import assert from "node:assert/strict";
import { NOISE_IK, NOISE_IK_AESGCM } from "../../src/crypto/noise.ts";
import { syncPeer } from "../../src/sync/round.ts";
import { limitsFor } from "../../src/sync/session_bounds.ts";
import { serveOn } from "../../src/sync/serve.ts";
import type { SessionOutcome } from "../../src/sync/peer_session_types.ts";
import { memoryLink } from "../../src/transport/memory_stream.ts";
import { MemMesh, pref } from "./_mem_mesh.ts";

async function dialOnce(offered: readonly string[]) {
  const mesh = await MemMesh.create(2);
  await mesh.peerAll();
  const [a, b] = mesh.devices;
  await mesh.write(b, pref("theme", "dark"));
  const served: Promise<SessionOutcome>[] = [];
  const outcome = await syncPeer(
    a.home,
    await a.home.noiseKeys(),
    b.record,
    [{ host: "b", port: 1, path: "direct" }],
    {
      now: () => mesh.now,
      env: () => undefined,
      timeoutMs: 10_000,
      connect: () => {
        const link = memoryLink({ a: "a", b: "b" });
        served.push(serveOn(b.home, link.b, { path: "memory", address: "a" }, {
          now: () => mesh.now,
          env: () => undefined,
          limits: { ...limitsFor(10_000), offered },
          log: () => {},
        }));
        return Promise.resolve(link.a);
      },
    },
    [],
  );
  return { mesh, a, outcome, served: await Promise.all(served) };
}

Deno.test("a peer on an earlier release (AESGCM only) is dialled again under that name, and the session syncs", async () => {
  const { mesh, a, outcome, served } = await dialOnce([NOISE_IK_AESGCM]);
  await using _ = mesh;
  assert.equal(outcome.status, "synced", outcome.error);
  assert.equal(served.length, 2, "one dial refused, one under the old name");
  assert.equal(served[0].status, "failed");
  assert.equal(served[1].status, "synced");
  assert.equal(a.home.view.pref("theme"), "dark");
});

Deno.test("an updated peer is dialled once: no second connection", async () => {
  const { mesh, outcome, served } = await dialOnce([NOISE_IK, NOISE_IK_AESGCM]);
  await using _ = mesh;
  assert.equal(outcome.status, "synced", outcome.error);
  assert.equal(served.length, 1);
});
