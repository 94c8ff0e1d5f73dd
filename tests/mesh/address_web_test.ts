/**
 * @module address_web_test
 * The WebCrypto derivation `status` uses gives exactly the addresses the
 * WireGuard configuration uses (noble SHA-256).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { deviceIpv6 } from "../../src/mesh/addresses.ts";
import { meshIpv6Web } from "../../src/mesh/address_web.ts";

Deno.test("meshIpv6Web() derives the same IPv6 as deviceIpv6() for any mesh and key", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.stringMatching(/^[a-z0-9]{1,20}$/),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      async (mesh, key) => {
        assert.equal(await (await meshIpv6Web(mesh))(key), deviceIpv6(mesh, key));
      },
    ),
    { numRuns: 200 },
  );
});
