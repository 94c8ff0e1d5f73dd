/**
 * @module pair_code_test
 * How the joining side gets the pairing code without putting it in argv
 * (where every local user can read it in /proc while mycel runs): `mycel
 * pair` asks for it on a terminal, `mycel pair -` reads it from standard
 * input, and a code given as an argument still works but prints a note. The
 * inviting side tells the new device to run `mycel pair` and type the code.
 * A device set up but alone is asked which side it is (Enter shows a code).
 * `pair --name` names this device on either side. With --json the inviting
 * side gives the code as a line of JSON on standard error (its help says so).
 * Real inviter processes; the terminal side runs in-process with a scripted
 * terminal.
 */

import assert from "node:assert/strict";
import { describe, type StatusJson, tempHome } from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";
import { startInviter } from "../pairing/_helpers.ts";
import { runMain } from "./_in_process.ts";

const PROC_NOTE = /visible to every user of this machine \(in \/proc\)/;

Deno.test("pair - reads the code from standard input; a code in argv works with a note", async () => {
  await using a = await tempHome("mycel-pair-a-");
  await using b = await tempHome("mycel-pair-b-");
  await using c = await tempHome("mycel-pair-c-");
  await a.ok(["--no-sync", "init", "--name", "alpha"]);

  const inv = await startInviter(a);
  assert.match(inv.proc.stdout, /On the new device run `mycel pair` and type this code\./);
  const args = ["pair", "-", "--name", "beta"];
  const r = await b.run(args, { stdin: `${inv.code}\n` });
  assert.equal(r.code, 0, describe(args, r));
  assert.match(r.stdout, /^paired with alpha \(/m);
  assert.doesNotMatch(r.stderr, PROC_NOTE);
  assert.equal((await inv.proc.result()).code, 0);

  const inv2 = await startInviter(a);
  const withArg = ["pair", inv2.code, "--name", "gamma"];
  const r2 = await c.run(withArg);
  assert.equal(r2.code, 0, describe(withArg, r2));
  assert.match(r2.stderr, PROC_NOTE);
  assert.equal((await inv2.proc.result()).code, 0);
  const names = (await a.json<StatusJson>(["status", "--json"])).peers.map((p) => p.name).sort();
  assert.deepEqual(names, ["beta", "gamma"]);
});

Deno.test("pair on a terminal of a device not set up asks for the code, then joins", async () => {
  await using a = await tempHome("mycel-pair-a-");
  await using b = await tempHome("mycel-pair-b-");
  await a.ok(["--no-sync", "init", "--name", "alpha"]);
  const inv = await startInviter(a);
  const r = await runMain(["pair", "--name", "typed"], {
    env: { MYCEL_HOME: b.home },
    answers: [`  ${inv.code.toLowerCase()}  `, "y"],
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.questions[0], "Code shown on the other device: ");
  // On a terminal, the person confirms both screens show the same string.
  assert.match(r.questions[1], /^Does the other screen show \d{4}-\d{4} too\? \[y\/N\] $/);
  assert.equal(r.questions.length, 2);
  assert.match(r.stdout, /^paired with alpha \(/m);
  assert.doesNotMatch(r.stderr, PROC_NOTE);
  assert.equal((await inv.proc.result()).code, 0);
  assert.equal((await b.json<StatusJson>(["status", "--json"])).device.name, "typed");
});

Deno.test("pair without a code and without a terminal: joins only with -, else says how", async () => {
  await using b = await tempHome("mycel-pair-b-");
  for (const args of [["pair"], ["mesh", "join"]]) {
    const r = await b.run(args);
    assert.equal(r.code, 2, describe(args, r));
    assert.match(r.stderr, /give the code shown on the other device/);
    assert.match(r.stderr, /`mycel pair -`/);
  }
  assert.equal(await Deno.stat(b.home).then(() => true, () => false), false, "no home made");
});

Deno.test("pair on a lone device's terminal: Enter shows a code; --name renames this device", async () => {
  await using a = await tempHome("mycel-pair-a-");
  await a.ok(["--no-sync", "init", "--name", "alpha"]);
  const r = await runMain(["pair", "--name", "renamed"], {
    env: { MYCEL_HOME: a.home, MYCEL_OFFLINE: "1" },
    answers: [""],
    signal: AbortSignal.timeout(1500),
  });
  assert.equal(r.questions.length, 1);
  assert.match(r.questions[0], /Type the code shown on the other device to join its mesh,/);
  assert.match(r.stdout, /Pairing code: MYCEL-/);
  assert.match(r.stdout, /On the new device run `mycel pair` and type this code\./);
  assert.match(r.stderr, /This device is now called renamed\./);
  assert.equal(r.code, 130, "stopped (the signal fired) before anyone joined");
  assert.match(r.stderr, /^error: Cannot add device: the pairing was cancelled here$/m);
  assert.equal((await a.json<StatusJson>(["status", "--json"])).device.name, "renamed");
});

Deno.test("a second mycel pair on a busy port is a named error with a way out", async () => {
  await using a = await tempHome("mycel-pair-a-");
  await a.ok(["--no-sync", "init", "--name", "alpha"]);
  const inv = await startInviter(a);
  try {
    const args = ["pair", "--listen", `127.0.0.1:${inv.port}`];
    const r = await a.run(args);
    assert.equal(r.code, 1, describe(args, r));
    assert.match(r.stderr, /^error: Cannot wait for a device to pair: the port is already in use/);
    assert.match(
      r.stderr,
      /hint: Another program is listening on it \(a `mycel pair` still waiting/,
    );
    assert.doesNotMatch(r.stderr, /internal error/);
  } finally {
    await inv.proc.stop();
  }
});

Deno.test("pair on the port sync serve holds: the hint names sync serve too, not only a pair", async () => {
  await using a = await tempHome("mycel-pair-a-");
  await a.ok(["--no-sync", "init", "--name", "alpha"]);
  const address = `127.0.0.1:${freePort()}`;
  await using serve = a.spawn(["sync", "serve", "--listen", address]);
  await serve.waitFor(/listening on \S+/, { stream: "stderr" });
  const args = ["pair", "--listen", address];
  const r = await a.run(args);
  assert.equal(r.code, 1, describe(args, r));
  assert.match(r.stderr, /^error: Cannot wait for a device to pair: the port is already in use/);
  // Before: "Another `mycel pair` is probably waiting on it", when none was.
  assert.match(
    r.stderr,
    /`mycel sync serve` on this port\): stop that one, or wait on another port/,
  );
});

Deno.test("pair - with a code of the wrong length lists the lengths as a person would", async () => {
  await using b = await tempHome("mycel-pair-b-");
  const args = ["pair", "-"];
  const r = await b.run(args, { stdin: "MYCEL-70AG-08M2-8T5C-Y4T\n" });
  assert.equal(r.code, 2, describe(args, r));
  // Before: "expected 16, 20, 40 characters".
  assert.match(
    r.stderr,
    /Cannot read pairing code: wrong length, expected 16, 20 or 40 characters \(15 characters\)/,
  );
});

Deno.test("pair --json: the code is a line of JSON on stderr a script passes on; stdout one document", async () => {
  await using a = await tempHome("mycel-pair-a-");
  await using b = await tempHome("mycel-pair-b-");
  await a.ok(["--no-sync", "init", "--name", "alpha"]);
  // What a script reads: the line of standard error that is a JSON object with the code.
  await using inv = a.spawn(["pair", "--json", "--listen", `127.0.0.1:${freePort()}`]);
  const line = (await inv.waitFor(/^\{"code".*\}$/m, { stream: "stderr" }))[0];
  const shown = JSON.parse(line) as { code: string; expires_at: string };
  assert.deepEqual(Object.keys(shown), ["code", "expires_at"]);
  assert.ok(Date.parse(shown.expires_at) > Date.now(), shown.expires_at);
  const r = await b.run(["pair", "-", "--name", "beta", "--json"], { stdin: shown.code });
  assert.equal(r.code, 0, describe(["pair", "-"], r));
  const done = await inv.result();
  assert.equal(done.code, 0, describe(["pair", "--json"], done));
  assert.doesNotMatch(done.stdout, /MYCEL-/, "no code (nor QR) on standard output");
  assert.equal((JSON.parse(done.stdout) as { paired: { name: string } }).paired.name, "beta");
  // Each side's standard output is one document, of the same fields: each
  // names itself, the other, the mesh and how many devices it holds now.
  const mine = JSON.parse(done.stdout), theirs = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(mine).sort(), Object.keys(theirs).sort(), done.stdout);
  assert.equal(mine.device, (await a.json<StatusJson>(["status", "--json"])).device.id);
  assert.equal(mine.paired.id, theirs.device);
  assert.equal(theirs.paired.id, mine.device);
  assert.equal(mine.mesh, theirs.mesh);
  assert.deepEqual([mine.devices, theirs.devices], [2, 2]);
  assert.equal(mine.verification, theirs.verification);
  // A joiner given the code in argv under --json: its error is the one line
  // on standard error (the note about /proc is left out there).
  const bad = await b.run(["pair", "7-apple-banana-cherry", "--json"]);
  assert.equal(bad.code, 2, describe(["pair", "CODE", "--json"], bad));
  assert.deepEqual(Object.keys(JSON.parse(bad.stderr)), ["error"], bad.stderr);
  // And the help says where the code goes.
  for (const cmd of [["pair"], ["mesh", "add-device"]]) {
    const help = (await a.ok([...cmd, "--help"])).stdout.replace(/\s+/g, " ");
    assert.match(help, /With --json the code comes as one line of JSON on standard error/);
    assert.match(help, /\{"code":"MYCEL-\.\.\.","expires_at":"<ISO 8601 time>"\}/);
  }
});
