/**
 * @module linger_test
 * User units run only while the user is logged in unless systemd lingers for
 * them: `service install` (user units, enabled) says to run `loginctl
 * enable-linger USER` exactly when the user's linger file is missing.
 */

import assert from "node:assert/strict";
import { lingerNote } from "../../src/cli/service_install.ts";

Deno.test("the enable-linger hint appears only when lingering is off for the user", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-linger-" });
  try {
    const env = (user?: string) => (n: string) => (n === "USER" ? user : undefined);
    const note = await lingerNote(env("ann"), dir);
    assert.match(note ?? "", /run `loginctl enable-linger ann` once/);
    await Deno.writeTextFile(`${dir}/ann`, "");
    assert.equal(await lingerNote(env("ann"), dir), undefined);
    assert.equal(await lingerNote(env(undefined), dir), undefined, "no user, no guess");
    assert.equal(await lingerNote(env("a b"), dir), undefined, "a user name no shell would take");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
