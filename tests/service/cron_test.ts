/**
 * @module cron_test
 * `mycel service install --cron`: a valid crontab (marker, two `* * * * *`
 * sync lines, the second after `sleep 30;`, under `flock -n` on Linux; a
 * third keeps `sync serve --listen` running for incoming sync and LAN
 * discovery, under its own `flock -n` on Linux), checked with
 * a small parser and, where the machine's `crontab` can check a file without
 * installing it (`-T`), by cron itself. `--cron --apply` and `service
 * uninstall` go through a fake `crontab` first on PATH (the user's real
 * crontab is never touched). The first line's command, run by /bin/sh with
 * cron's environment, really syncs with a peer; while another round holds
 * the home's round guard it exits 0 at once without syncing; with a peer
 * asleep it prints nothing (cron would mail output) whatever its exit code.
 */

import assert from "node:assert/strict";
import { describe, MAIN_TS, type StatusJson, TempHome, tempHome } from "../helpers/mycel.ts";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { CRON_MARKER } from "../../src/service/cron_marker.ts";
import { freePort } from "../helpers/net.ts";
import { runProcess, which } from "../helpers/process.ts";
import { ROUND_LOCK_FILE } from "../../src/storage/round_lock.ts";
import { type FakeBin, fakeBin, parseCrontab, peer } from "./_helpers.ts";

const CRONTAB = which("crontab");

/** An initialised home (offline) with a fake crontab first on PATH. */
async function setup(name = "box"): Promise<{ h: TempHome; bin: FakeBin }> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-cron-" });
  const bin = await fakeBin(`${dir}/bin`);
  const h = new TempHome(dir, {
    env: { PATH: bin.path(), XDG_CONFIG_HOME: `${dir}/config`, MYCEL_OFFLINE: "1" },
  });
  await h.ok(["init", "--name", name]);
  return { h, bin };
}

/** The argv /bin/sh builds from a cron command (mycel replaced by printf). */
async function shellArgv(command: string): Promise<string[]> {
  const m = /^(?:sleep 30; )?(.*) >\/dev\/null 2>&1$/.exec(command);
  assert.ok(m, `… >/dev/null 2>&1: ${command}`);
  const r = await runProcess("/bin/sh", ["-c", `printf '%s\\0' ${m[1]}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\0").slice(0, -1);
}

Deno.test("service install --cron prints a valid crontab: two rounds a minute and a kept-up sync serve", async () => {
  const { h } = await setup();
  await using _ = h;
  const args = ["service", "install", "--cron", "--port", "40140"];
  const entries = async () => ((await h.json(["log", "--json"])) as unknown[]).length;
  const before = await entries();
  const r = await h.run(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.match(r.stderr, /Add these lines with `crontab -e`, or run again with --apply\./);
  // Only printed: the device's record is not re-pointed at a port nothing listens on
  // yet (before: a signed endpoints update; the serve line advertises when it starts).
  assert.equal(await entries(), before, "no entry written");
  assert.doesNotMatch(r.stderr, /Advertising/);
  assert.match(r.stderr, /incoming sync on TCP 40140 and LAN discovery/);

  const lines = r.stdout.split("\n");
  assert.equal(lines.length, 5, r.stdout);
  assert.equal(lines[0], CRON_MARKER);
  const jobs = parseCrontab(r.stdout);
  assert.equal(jobs.length, 3, r.stdout);
  const linux = Deno.build.os === "linux";
  for (const job of jobs) {
    assert.deepEqual(job.schedule, ["*", "*", "*", "*", "*"]);
    assert.equal(job.stdin, undefined, "no % in the command");
    assert.equal(job.command.includes("flock -n "), linux, job.command);
  }
  assert.ok(!jobs[0].command.includes("sleep"), jobs[0].command);
  assert.ok(jobs[1].command.startsWith("sleep 30; "), jobs[1].command);
  assert.equal(jobs[1].command, `sleep 30; ${jobs[0].command}`);
  const unguarded = (c: string) => c.replace(/^(sleep 30; )?flock -n \S+ /, "$1");
  const argv = await shellArgv(unguarded(jobs[0].command));
  assert.deepEqual(await shellArgv(unguarded(jobs[2].command)), [
    Deno.execPath(),
    ...denoRunArgs(MAIN_TS),
    "--home",
    h.home,
    "sync",
    "serve",
    "--listen",
    "0.0.0.0:40140",
  ]);
  if (linux) assert.match(jobs[2].command, /^flock -n \S+\/serve\.lock /);
  assert.deepEqual(argv, [
    Deno.execPath(),
    ...denoRunArgs(MAIN_TS),
    "--home",
    h.home,
    "sync",
    "now",
    "--timeout",
    "20",
  ]);
  // The cron path writes no units anywhere.
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(h.dir))).map((e) => e.name).sort(),
    ["bin", "home"],
  );
});

Deno.test("service install --cron --interval: the lines keep the interval; one cron can't keep is refused, nothing written", async () => {
  const { h } = await setup();
  await using _ = h;
  const r = await h.run(["service", "install", "--cron", "--interval", "5m", "--port", "40144"]);
  assert.equal(r.code, 0, describe(["service", "install"], r));
  const jobs = parseCrontab(r.stdout);
  assert.deepEqual(jobs[0].schedule, ["*/5", "*", "*", "*", "*"]);
  assert.equal(jobs.length, 2, "one round line and the serve line");
  assert.match(r.stderr, /A sync round every 5 m;/);
  // Before: two lines a minute and "every 30 s", whatever --interval said.
  const odd = await h.run(["service", "install", "--cron", "--interval", "45s", "--port", "40144"]);
  assert.equal(odd.code, 2, describe(["service", "install"], odd));
  assert.match(
    odd.stderr,
    /Cannot use --interval with --cron: .*whole hours dividing a day \(45s\)/,
  );
  assert.match(odd.stderr, /nearest it keeps: 30s/);
  assert.equal(odd.stdout, "");
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(h.dir))).map((e) => e.name).sort(),
    ["bin", "home"],
  );
});

Deno.test("service install with a relative home writes it absolute (cron runs elsewhere)", async () => {
  const { h } = await setup();
  await using _ = h;
  const parent = h.home.slice(0, h.home.lastIndexOf("/"));
  const rel = h.home.slice(parent.length + 1);
  for (const how of ["flag", "env"] as const) {
    const args = how === "flag"
      ? ["--home", rel, "service", "install", "--cron", "--port", "40143"]
      : ["service", "install", "--cron", "--port", "40143"];
    const r = await h.run(args, {
      cwd: parent,
      env: { MYCEL_HOME: how === "env" ? rel : undefined },
    });
    assert.equal(r.code, 0, describe(args, r));
    const jobs = parseCrontab(r.stdout);
    assert.equal(jobs.length, 3, r.stdout);
    for (const j of jobs) assert.ok(j.command.includes(h.home), j.command);
    assert.doesNotMatch(r.stdout, new RegExp(`--home '?${rel}[ ']`), how);
  }
});

Deno.test("service install with a relative home through a symlinked folder and .. writes the home the system opens", async () => {
  const { h } = await setup();
  await using _ = h;
  // `link/../other` is `elsewhere/other` to the kernel (link -> elsewhere/inner).
  await Deno.mkdir(`${h.dir}/elsewhere/inner`, { recursive: true });
  await Deno.symlink(`${h.dir}/elsewhere/inner`, `${h.dir}/link`);
  const rel = "link/../other";
  await h.ok(["--home", rel, "init", "--name", "other"], { cwd: h.dir });
  const real = await Deno.realPath(`${h.dir}/elsewhere/other`);
  const args = ["--home", rel, "service", "install", "--cron", "--port", "40147"];
  const r = await h.run(args, { cwd: h.dir });
  assert.equal(r.code, 0, describe(args, r));
  for (const j of parseCrontab(r.stdout)) {
    const home = /--home '?([^ ']+)'? /.exec(j.command)?.[1];
    assert.ok(home?.startsWith("/"), j.command);
    assert.equal(await Deno.realPath(home!), real, j.command);
  }
});

Deno.test("service install --cron: the real crontab accepts the lines (where it can check them)", async () => {
  if (!CRONTAB) {
    console.log(
      "crontab check skipped: no `crontab` command on this machine (the `cron` package is not installed)",
    );
    return;
  }
  const probe = await runProcess(CRONTAB, ["-T", "/dev/null"]);
  if (probe.code !== 0) {
    console.log(
      `crontab check skipped: ${CRONTAB} cannot check a file without installing it (no -T): ${probe.stderr.trim()}`,
    );
    return;
  }
  const { h } = await setup();
  await using _ = h;
  const r = await h.ok(["service", "install", "--cron", "--port", "40141"]);
  const file = await h.writeFile("crontab.txt", r.stdout);
  const t = await runProcess(CRONTAB, ["-T", file]);
  assert.equal(t.code, 0, `crontab -T:\n${t.stdout}${t.stderr}`);
});

Deno.test("service install --cron --apply replaces older mycel lines, keeps others; uninstall removes them", async () => {
  const { h, bin } = await setup();
  await using _ = h;
  const mine = "MAILTO=me@example.org\n0 3 * * * /usr/local/bin/backup\n";
  const old = "/opt/mycel --home /old/home sync now --timeout 20 >/dev/null 2>&1";
  const stale = `${CRON_MARKER}\n* * * * * ${old}\n* * * * * sleep 30; ${old}\n`;
  await Deno.writeTextFile(bin.crontabFile, `${mine}${stale}`);

  const r = await h.ok(["service", "install", "--cron", "--apply", "--port", "40142"]);
  assert.match(r.stderr, /Installed into your crontab: a sync round every 30 s; incoming sync/);
  const table = bin.crontab()!;
  assert.ok(table.startsWith(mine), table);
  assert.equal(table.split(CRON_MARKER).length, 2, `one mycel block:\n${table}`);
  assert.ok(!table.includes("/old/home"), table);
  assert.equal(table.slice(mine.length), r.stdout, "the block printed is the block installed");
  const jobs = parseCrontab(table);
  assert.equal(jobs.length, 4); // the backup, two rounds, sync serve

  // Applying twice keeps one block.
  await h.ok(["service", "install", "--cron", "--apply", "--port", "40142"]);
  assert.equal(bin.crontab(), table);

  const rm = await h.ok(["service", "uninstall", "--cron"]);
  assert.equal(rm.stdout, "removed mycel's crontab lines\n");
  assert.equal(bin.crontab(), mine);
  const again = await h.ok(["service", "uninstall", "--cron"]);
  assert.equal(again.stdout, "nothing was installed\n");
});

Deno.test("service install --cron --apply --interval: the marker says the interval; re-applying and uninstall find every line", async () => {
  const { h, bin } = await setup();
  await using _ = h;
  const mine = "0 3 * * * /usr/local/bin/backup\n";
  await Deno.writeTextFile(bin.crontabFile, mine);
  const every10s = [
    "service",
    "install",
    "--cron",
    "--apply",
    "--interval",
    "10s",
    "--port",
    "40145",
  ];
  const r = await h.ok(every10s);
  assert.equal(r.stdout.split("\n")[0], "# mycel: sync every 10 seconds", r.stdout);
  assert.equal(parseCrontab(bin.crontab()!).length, 1 + 6 + 1, "backup, six rounds, sync serve");
  // Applying again, and then with another interval, leaves one mycel block.
  await h.ok(every10s);
  assert.equal(bin.crontab(), mine + r.stdout);
  const hourly = await h.ok(["service", "install", "--cron", "--apply", "--interval", "2h"]);
  assert.equal(hourly.stdout.split("\n")[0], "# mycel: sync every 2 hours", hourly.stdout);
  assert.equal(bin.crontab(), mine + hourly.stdout);
  // doctor finds the block by its marker (units, if the machine has mycel's, come first).
  const doctor = await h.run(["doctor", "--json", "--no-sync"]);
  const schedule = (JSON.parse(doctor.stdout) as { findings: { check: string; detail: string }[] })
    .findings.find((f) => f.check === "schedule");
  assert.match(schedule?.detail ?? "", /^cron lines installed$|units installed/);
  await h.ok(every10s);
  const rm = await h.ok(["service", "uninstall", "--cron"]);
  assert.equal(rm.stdout, "removed mycel's crontab lines\n");
  assert.equal(bin.crontab(), mine, "nothing of mycel's is left");
});

Deno.test("service install --cron --json: standard output is one JSON document with the crontab block", async () => {
  const { h, bin } = await setup();
  await using _ = h;
  const text = await h.ok(["service", "install", "--cron", "--port", "40146"]);
  const args = ["service", "install", "--cron", "--port", "40146", "--json"];
  const printed = await h.json<Record<string, unknown>>(args);
  assert.deepEqual(printed, {
    crontab: text.stdout,
    applied: false,
    interval_seconds: 30,
    port: 40146,
  });
  assert.equal(bin.crontab(), undefined, "printing installs nothing");
  const applied = await h.json<Record<string, unknown>>([...args, "--apply"]);
  assert.deepEqual(applied, { ...printed, applied: true });
  assert.equal(bin.crontab(), text.stdout);
});

Deno.test("service status says whether mycel's crontab lines are in (after --cron --apply it said only 'not installed')", async () => {
  const { h } = await setup();
  await using _ = h;
  const status = ["service", "status", "--dir", h.path("u")];
  const before = await h.json<Record<string, unknown>>([...status, "--json"]);
  assert.equal(before.cron, false);
  assert.doesNotMatch((await h.ok(status)).stdout, /^cron/m);
  await h.ok(["service", "install", "--cron", "--apply", "--port", "40147"]);
  const after = await h.json<Record<string, unknown>>([...status, "--json"]);
  assert.equal(after.cron, true);
  assert.equal(after.installed, false, "no units for all that");
  assert.match((await h.ok(status)).stdout, /^cron {4}installed \(mycel's crontab lines\)$/m);
  await h.ok(["service", "uninstall", "--cron"]);
  assert.equal((await h.json<Record<string, unknown>>([...status, "--json"])).cron, false);
});

Deno.test("a user's comment that only starts like mycel's marker is theirs: not installed, not removed", async () => {
  const { h, bin } = await setup();
  await using _ = h;
  // Before: taken for mycel's block (any line starting `# mycel: sync every `).
  const mine = "# mycel: sync every 30 seconds is too often for me\n" +
    "*/5 * * * * /usr/bin/mycel --home /srv/other sync now >>/var/log/other.log\n";
  await Deno.writeTextFile(bin.crontabFile, mine);
  const status = ["service", "status", "--dir", h.path("u")];
  assert.equal((await h.json<Record<string, unknown>>([...status, "--json"])).cron, false);
  assert.doesNotMatch((await h.ok(status)).stdout, /^cron/m);
  const doctor = await h.run(["doctor", "--json", "--no-sync"]);
  const schedule = (JSON.parse(doctor.stdout) as { findings: { check: string; detail: string }[] })
    .findings.find((f) => f.check === "schedule");
  assert.notEqual(schedule?.detail, "cron lines installed", doctor.stdout);
  const rm = await h.ok(["service", "uninstall", "--cron"]);
  assert.equal(rm.stdout, "nothing was installed\n");
  assert.equal(bin.crontab(), mine, "their comment kept");
  // Installing adds mycel's block below it; uninstalling takes only the block.
  const r = await h.ok(["service", "install", "--cron", "--apply", "--port", "40148"]);
  assert.equal(bin.crontab(), mine + r.stdout);
  await h.ok(["service", "uninstall", "--cron"]);
  assert.equal(bin.crontab(), mine);
});

Deno.test("service install --cron --apply and uninstall keep the user's own lines right under mycel's block", async () => {
  const { h, bin } = await setup();
  await using _ = h;
  // A user's own jobs added below the block: a daily round of another home
  // with its own log, and a script that takes --home. Neither is a line
  // mycel writes (those end in `sync now --timeout 20 >/dev/null 2>&1` or
  // `sync serve --listen ADDRESS >/dev/null 2>&1`).
  const theirs = "0 3 * * * /usr/bin/mycel --home /srv/other sync now >>/var/log/other.log\n" +
    "@reboot /usr/local/bin/backup --home /srv sync now-ish\n";
  const r = await h.ok(["service", "install", "--cron", "--port", "40146"]);
  await Deno.writeTextFile(bin.crontabFile, r.stdout + theirs);
  const again = await h.ok(["service", "install", "--cron", "--apply", "--port", "40146"]);
  assert.equal(bin.crontab(), theirs + again.stdout, "their lines kept, one mycel block");
  await h.ok(["service", "uninstall", "--cron"]);
  assert.equal(bin.crontab(), theirs, "uninstall removes mycel's lines only");
});

Deno.test("service install --cron --apply into an empty crontab", async () => {
  const { h, bin } = await setup();
  await using _ = h;
  assert.equal(bin.crontab(), undefined);
  const r = await h.ok(["service", "install", "--cron", "--apply", "--port", "40143"]);
  assert.equal(bin.crontab(), r.stdout);
  assert.equal(parseCrontab(bin.crontab()!).length, 3);
});

/** What cron gives a job: HOME, LOGNAME, SHELL and a short PATH; cwd is HOME. */
function cronEnv(): Record<string, string> {
  return {
    HOME: Deno.env.get("HOME") ?? "/",
    LOGNAME: Deno.env.get("LOGNAME") ?? Deno.env.get("USER") ?? "root",
    SHELL: "/bin/sh",
    PATH: "/usr/bin:/bin",
  };
}

function runCronJob(command: string) {
  const env = cronEnv();
  return runProcess("/bin/sh", ["-c", command], { env, clearEnv: true, cwd: env.HOME });
}

Deno.test("the cron line, run by /bin/sh with cron's environment, syncs; while a round runs it steps aside", async () => {
  await using served = await tempHome("mycel-cron-served-");
  const port = freePort();
  await served.ok(["--no-sync", "init", "--name", "served", "--listen", `127.0.0.1:${port}`]);
  await served.ok(["--no-sync", "pref", "set", "from", "served"]);
  const { h } = await setup("laptop");
  await using _ = h;
  await peer(h, served);
  await h.ok(["--no-sync", "pref", "set", "from-laptop", "yes"]);
  await using server = served.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
  await server.waitFor(/listening on/);

  const r = await h.ok(["service", "install", "--cron", "--port", String(freePort())]);
  const [job] = parseCrontab(r.stdout);
  const status = () =>
    h.json<Record<string, unknown>>(["service", "status", "--dir", h.path("u"), "--json"]);
  assert.equal((await status()).last_round, null);

  // Another round holds the home's round guard: this one exits 0 at once, runs nothing.
  const guard = await Deno.open(`${h.home}/${ROUND_LOCK_FILE}`, {
    read: true,
    write: true,
    create: true,
  });
  try {
    await guard.lock(true);
    const t0 = performance.now();
    const busy = await runCronJob(job.command);
    assert.equal(busy.code, 0, `a skipped round is not a failure:\n${busy.stderr}`);
    assert.deepEqual([busy.stdout, busy.stderr], ["", ""], "cron would mail any output");
    assert.ok(performance.now() - t0 < 10_000, "it does not wait for the other round");
    assert.equal((await status()).last_round, null, "no round ran");
  } finally {
    guard.close();
  }

  const done = await runCronJob(job.command);
  assert.equal(done.code, 0, `the cron command:\n${job.command}\n${done.stderr}`);
  const last = (await status()).last_round as { peers: number; synced: number } | null;
  assert.ok(last, "a round ran");
  assert.deepEqual([last.peers, last.synced], [1, 1]);
  const [a, b] = await Promise.all([
    h.json<StatusJson>(["status", "--json"]),
    served.json<StatusJson>(["--no-sync", "status", "--json"]),
  ]);
  assert.equal(a.state_digest, b.state_digest);

  // The peer goes to sleep: the round exits 3, and cron sees no output to mail.
  await server.stop("SIGTERM");
  const asleep = await runCronJob(job.command.replace(/ >\/dev\/null 2>&1$/, ""));
  assert.equal(asleep.code, 3, `without the redirection: exit 3\n${asleep.stdout}`);
  const quiet = await runCronJob(job.command);
  assert.deepEqual([quiet.stdout, quiet.stderr], ["", ""], "nothing for cron to mail");
});

Deno.test("a block edited by hand (a job line commented out, spaces after the marker) is still mycel's: status, doctor, re-apply and uninstall find all of it", async () => {
  const { h, bin } = await setup();
  await using _ = h;
  const mine = "0 3 * * * /usr/local/bin/backup\n";
  const block = (await h.ok(["service", "install", "--cron", "--port", "40149"])).stdout;
  const [marker, first, ...rest] = block.trimEnd().split("\n");
  const edits: [string, string][] = [
    // The first round paused with a '#': the second round and sync serve still run.
    ["first round commented out", [marker, `#${first}`, ...rest].join("\n") + "\n"],
    // An editor that leaves a space (or a CR) at a line's end.
    ["spaces after the marker", [`${marker}  `, first, ...rest].join("\n") + "\n"],
    ["a CR after each line", [marker, first, ...rest].map((l) => `${l}\r`).join("\n") + "\n"],
  ];
  const status = ["service", "status", "--dir", h.path("u"), "--json"];
  for (const [what, edited] of edits) {
    await Deno.writeTextFile(bin.crontabFile, mine + edited);
    assert.equal((await h.json<Record<string, unknown>>(status)).cron, true, `${what}: installed`);
    const doctor = await h.run(["doctor", "--json", "--no-sync"]);
    const found = (JSON.parse(doctor.stdout) as { findings: { check: string; detail: string }[] })
      .findings.find((f) => f.check === "schedule");
    assert.equal(found?.detail, "cron lines installed", `${what}: ${doctor.stdout}`);
    // Re-applying replaces the whole block: before, what was left of it ran beside the new one.
    await h.ok(["service", "install", "--cron", "--apply", "--port", "40149"]);
    assert.equal(bin.crontab(), mine + block, `${what}: one block`);
    await Deno.writeTextFile(bin.crontabFile, mine + edited);
    await h.ok(["service", "uninstall", "--cron"]);
    assert.equal(bin.crontab(), mine, `${what}: nothing of mycel's left`);
  }
  // Every job line commented out: nothing of it runs, so it is not installed; still mycel's.
  const paused = [marker, ...[first, ...rest].map((l) => `# ${l}`)].join("\n") + "\n";
  await Deno.writeTextFile(bin.crontabFile, mine + paused);
  assert.equal((await h.json<Record<string, unknown>>(status)).cron, false, "all paused");
  await h.ok(["service", "uninstall", "--cron"]);
  assert.equal(bin.crontab(), mine, "the paused block removed");
});
