/**
 * @module launchd_test
 * The macOS agents, rendered and installed on any machine (the platform is
 * passed in; there is no macOS here): the plists are read back with a real
 * plist parser (npm `plist`) and every key is checked, awkward paths survive,
 * and `service install|status|uninstall` for darwin run through the real
 * command table with a recording runner in place of launchctl (never run).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { parse } from "plist";
import { parseArgv } from "../../src/cli/parse.ts";
import { captureOutput } from "../../src/cli/output.ts";
import type { CommandContext } from "../../src/cli/command.ts";
import { serviceCommandsFor } from "../../src/cli/commands/service.ts";
import type { ServicePlatform } from "../../src/cli/service_platform.ts";
import { isMycelError } from "../../src/errors.ts";
import type { Runner, RunResult } from "../../src/mesh/system.ts";
import {
  launchctlLoad,
  parseLaunchctlPrint,
  renderAgents,
  SERVE_LABEL,
  SYNC_LABEL,
} from "../../src/service/launchd.ts";
import { renderPlist } from "../../src/service/plist.ts";
import type { ServiceSpec } from "../../src/service/units.ts";
import { tempHome } from "../helpers/mycel.ts";
import { parseCrontab } from "./_helpers.ts";

const SPEC: ServiceSpec = {
  exec: ["/usr/local/bin/mycel"],
  home: "/Users/ann/Library/Application Support/mycel",
  intervalSeconds: 30,
  port: 7850,
};
const LOGS = "/Users/ann/Library/Logs/mycel";

type Doc = Record<string, unknown>;

function agents(spec: ServiceSpec): Record<string, Doc> {
  return Object.fromEntries(renderAgents(spec, LOGS).map((a) => [a.name, parse(a.content) as Doc]));
}

Deno.test("sync agent: sync now at load and every interval, stderr logged, nothing that respawns", () => {
  const doc = agents(SPEC)[`${SYNC_LABEL}.plist`];
  assert.deepEqual(doc, {
    Label: "local.mycel.sync",
    ProgramArguments: [
      "/usr/local/bin/mycel",
      "--home",
      SPEC.home,
      "sync",
      "now",
      "--timeout",
      "20",
    ],
    StartInterval: 30,
    RunAtLoad: true,
    ProcessType: "Background",
    StandardOutPath: "/dev/null",
    StandardErrorPath: `${LOGS}/sync.log`,
  });
  // No KeepAlive: an exit 3 (a peer asleep) or any other exit never makes
  // launchd respawn or throttle the job; the next interval simply runs it.
  assert.ok(!("KeepAlive" in doc));
  const every = agents({ ...SPEC, intervalSeconds: 90 })[`${SYNC_LABEL}.plist`];
  assert.equal(every.StartInterval, 90);
});

Deno.test("serve agent: inetd-style socket on the port, one sync serve --stdio per connection", () => {
  const doc = agents({ ...SPEC, port: 40150, sessionSeconds: 45 })[`${SERVE_LABEL}.plist`];
  assert.deepEqual(doc, {
    Label: "local.mycel.serve",
    ProgramArguments: [
      "/usr/local/bin/mycel",
      "--home",
      SPEC.home,
      "sync",
      "serve",
      "--stdio",
      "--timeout",
      "45",
    ],
    Sockets: { Listeners: { SockServiceName: "40150", SockType: "stream" } },
    inetdCompatibility: { Wait: false },
    ProcessType: "Background",
    StandardErrorPath: `${LOGS}/serve.log`,
  });
  // stdout is the socket: a StandardOutPath would take it away from the session.
  assert.ok(!("StandardOutPath" in doc));
  assert.ok(!("RunAtLoad" in doc), "started by connections only");
});

Deno.test("agents carry awkward paths intact and refuse what a plist cannot hold", () => {
  const home = `/Users/a b/<&>'"$HOME%/ü/🍄`;
  const spec = { ...SPEC, exec: ["/opt/my tools/mycel & co"], home };
  for (const doc of Object.values(agents(spec))) {
    const argv = doc.ProgramArguments as string[];
    assert.deepEqual(argv.slice(0, 3), ["/opt/my tools/mycel & co", "--home", home]);
  }
  for (const bad of ["/Users/a\x01b", "/Users/a\x00b", "/Users/a\ud800b"]) {
    assert.throws(
      () => renderAgents({ ...SPEC, home: bad }, LOGS),
      (e) => isMycelError(e, "bad_plist_value"),
      JSON.stringify(bad),
    );
  }
  assert.throws(() => renderPlist({ N: 1.5 }), (e) => isMycelError(e, "bad_plist_value"));
  assert.deepEqual(parse(renderPlist({ T: "tab\there\r\nline\r", B: false, A: [] })), {
    T: "tab\there\r\nline\r",
    B: false,
    A: [],
  });
});

Deno.test("launchctl: bootout then bootstrap into gui/UID; print output is read", () => {
  assert.deepEqual(launchctlLoad(501, SYNC_LABEL, "/Users/ann/Library/LaunchAgents/x.plist"), [
    ["bootout", "gui/501/local.mycel.sync"],
    ["bootstrap", "gui/501", "/Users/ann/Library/LaunchAgents/x.plist"],
  ]);
  const print = "gui/501/local.mycel.sync = {\n\tactive count = 0\n\tstate = not running\n" +
    "\tprogram = /usr/local/bin/mycel\n\tlast exit code = 3\n}\n";
  assert.deepEqual(parseLaunchctlPrint(print), { state: "not running", lastExit: 3 });
  assert.deepEqual(parseLaunchctlPrint("nothing"), { state: undefined, lastExit: undefined });
});

/** A runner that records every call and answers from `answer`. */
function recorder(answer: (cmd: string, args: string[]) => Partial<RunResult> = () => ({})) {
  const calls: string[][] = [];
  const runner: Runner = {
    run(cmd, args) {
      calls.push([cmd, ...args]);
      return Promise.resolve({ code: 0, stdout: "", stderr: "", ...answer(cmd, args) });
    },
    start() {
      throw new Error("nothing is started in the background");
    },
  };
  return { runner, calls };
}

/** Run `mycel ARGS` in-process with the darwin service commands. */
async function darwin(home: string, fakeHome: string, argv: string[], runner: Runner) {
  const platform: ServicePlatform = {
    os: "darwin",
    runner,
    uid: () => 501,
    self: () => ({ argv: ["/usr/local/bin/mycel"], source: "installed" }),
  };
  const parsed = parseArgv(argv, { groups: [], commands: serviceCommandsFor(platform) });
  assert.equal(parsed.kind, "run");
  const out = captureOutput();
  const ctx: CommandContext = {
    out,
    homeFlag: home,
    offline: true,
    env: (n) => ({ HOME: fakeHome } as Record<string, string>)[n],
    now: Date.now,
    signal: new AbortController().signal,
    readStdin: () => Promise.resolve(new Uint8Array()),
    stdinIsTerminal: false,
    ask: () => Promise.resolve(null),
  };
  try {
    const code = await parsed.spec.run(ctx, parsed.input);
    return { code, stdout: out.stdout.join(""), stderr: out.stderr.join("") };
  } catch (e) {
    return { code: -1, error: e, stdout: out.stdout.join(""), stderr: out.stderr.join("") };
  }
}

Deno.test("service install on macOS writes the three agents, creates the log folder, loads them", async () => {
  await using h = await tempHome("mycel-launchd-");
  await h.ok(["--no-sync", "init", "--name", "mac", "--listen", "127.0.0.1:40151"]);
  const fake = h.path("Users/ann");
  const { runner, calls } = recorder((_c, args) =>
    args[0] === "bootout" ? { code: 3, stderr: "Boot-out failed: 3: No such process" } : {}
  );
  const r = await darwin(h.home, fake, ["service", "install"], runner);
  assert.equal(r.code, 0, `${r.stderr}${r.error}`);
  const dir = `${fake}/Library/LaunchAgents`;
  const files = [
    `${dir}/local.mycel.sync.plist`,
    `${dir}/local.mycel.serve.plist`,
    `${dir}/local.mycel.discovery.plist`,
  ];
  assert.equal(
    r.stdout,
    files.map((f) => `wrote ${f}\n`).join("") +
      "loaded local.mycel.sync (every 30s), local.mycel.serve (port 40151) and " +
      "local.mycel.discovery (UDP 7850)\n",
  );
  assert.match(r.stderr, /Scheduled: \/usr\/local\/bin\/mycel \(on your PATH\)\./);
  assert.deepEqual(calls, [
    ["launchctl", "bootout", "gui/501/local.mycel.sync"],
    ["launchctl", "bootstrap", "gui/501", files[0]],
    ["launchctl", "bootout", "gui/501/local.mycel.serve"],
    ["launchctl", "bootstrap", "gui/501", files[1]],
    ["launchctl", "bootout", "gui/501/local.mycel.discovery"],
    ["launchctl", "bootstrap", "gui/501", files[2]],
  ]);
  assert.ok(Deno.statSync(`${fake}/Library/Logs/mycel`).isDirectory, "log folder exists");
  for (const f of files) assert.equal(Deno.statSync(f).mode! & 0o777, 0o644, f);
  const sync = parse(await Deno.readTextFile(files[0])) as Doc;
  assert.deepEqual(sync.ProgramArguments, [
    "/usr/local/bin/mycel",
    "--home",
    h.home,
    "sync",
    "now",
    "--timeout",
    "20",
  ]);
  assert.equal(sync.StandardErrorPath, `${fake}/Library/Logs/mycel/sync.log`);
  const serve = parse(await Deno.readTextFile(files[1])) as Doc;
  assert.deepEqual(serve.Sockets, { Listeners: { SockServiceName: "40151", SockType: "stream" } });
  // Discovery: launchd holds UDP 7850 and hands it over on the first probe (Wait: the socket itself).
  const discovery = parse(await Deno.readTextFile(files[2])) as Doc;
  assert.deepEqual(discovery.Sockets, {
    Listeners: { SockServiceName: "7850", SockType: "dgram" },
  });
  assert.deepEqual(discovery.inetdCompatibility, { Wait: true });
  assert.deepEqual(discovery.ProgramArguments, [
    "/usr/local/bin/mycel",
    "--home",
    h.home,
    "discovery",
    "respond",
    "--stdio",
    "--sync-port",
    "40151",
  ]);
});

Deno.test("service on macOS: --no-enable, a failed bootstrap, status, uninstall, and refusals", async () => {
  await using h = await tempHome("mycel-launchd-");
  await h.ok(["--no-sync", "init", "--name", "mac", "--listen", "127.0.0.1:40152"]);
  const fake = h.path("Users/bo");
  const dir = `${fake}/Library/LaunchAgents`;

  const quiet = recorder();
  const n = await darwin(h.home, fake, ["service", "install", "--no-enable"], quiet.runner);
  assert.equal(n.code, 0, String(n.error));
  assert.deepEqual(quiet.calls, [], "--no-enable runs no launchctl");
  assert.match(
    n.stdout,
    new RegExp(
      `^not loaded \\(--no-enable\\); load later with: launchctl bootstrap gui/501 ${dir}/local\\.mycel\\.sync\\.plist && launchctl bootstrap gui/501 ${dir}/local\\.mycel\\.serve\\.plist && launchctl bootstrap gui/501 ${dir}/local\\.mycel\\.discovery\\.plist$`,
      "m",
    ),
  );

  const failing = recorder((_c, args) =>
    args[0] === "bootstrap" ? { code: 5, stderr: "Bootstrap failed: 5: Input/output error\n" } : {}
  );
  const f = await darwin(h.home, fake, ["service", "install", "--json"], failing.runner);
  assert.equal(f.code, 0, String(f.error));
  assert.deepEqual(JSON.parse(f.stdout), {
    scope: "user",
    files: [
      `${dir}/local.mycel.sync.plist`,
      `${dir}/local.mycel.serve.plist`,
      `${dir}/local.mycel.discovery.plist`,
    ],
    enabled: false,
    note: "launchctl bootstrap local.mycel.sync failed: Bootstrap failed: 5: Input/output error",
  });

  const printing = recorder((_c, args) =>
    args[1] === "gui/501/local.mycel.sync"
      ? { stdout: "\tstate = not running\n\tlast exit code = 3\n" }
      : { code: 113, stderr: "Could not find service" }
  );
  const s = await darwin(h.home, fake, ["service", "status", "--json"], printing.runner);
  const st = JSON.parse(s.stdout);
  assert.deepEqual([st.installed, st.timer, st.socket], [
    true,
    "not running (last exit 3)",
    "not loaded",
  ]);
  // Whether mycel's crontab lines are in is asked of cron, on macOS too (--cron works there).
  assert.equal(st.cron, false);
  assert.deepEqual(printing.calls, [
    ["launchctl", "print", "gui/501/local.mycel.sync"],
    ["launchctl", "print", "gui/501/local.mycel.serve"],
    ["crontab", "-l"],
  ]);

  const rm = recorder();
  const u = await darwin(h.home, fake, ["service", "uninstall"], rm.runner);
  assert.equal(
    u.stdout,
    `removed ${dir}/local.mycel.sync.plist\nremoved ${dir}/local.mycel.serve.plist\n` +
      `removed ${dir}/local.mycel.discovery.plist\n`,
  );
  assert.deepEqual(rm.calls, [
    ["launchctl", "bootout", "gui/501/local.mycel.sync"],
    ["launchctl", "bootout", "gui/501/local.mycel.serve"],
    ["launchctl", "bootout", "gui/501/local.mycel.discovery"],
  ]);
  assert.deepEqual([...Deno.readDirSync(dir)], []);

  for (const bad of [["--system"], ["--mesh"]]) {
    const none = recorder();
    const r = await darwin(h.home, h.path("Users/cy"), ["service", "install", ...bad], none.runner);
    assert.ok(isMycelError(r.error, "usage"), `${bad}: ${r.error}`);
    assert.deepEqual(none.calls, []);
    assert.throws(() => Deno.statSync(h.path("Users/cy")), Deno.errors.NotFound, "nothing written");
  }
});

Deno.test("service install --cron on macOS prints flock-free lines, sync serve included", async () => {
  await using h = await tempHome("mycel-launchd-");
  await h.ok(["--no-sync", "init", "--name", "mac", "--listen", "127.0.0.1:40153"]);
  const r = await darwin(
    h.home,
    h.path("Users/di"),
    ["service", "install", "--cron"],
    recorder().runner,
  );
  const jobs = parseCrontab(r.stdout);
  assert.equal(jobs.length, 3);
  assert.equal(
    jobs[0].command,
    `/usr/local/bin/mycel --home ${h.home} sync now --timeout 20 >/dev/null 2>&1`,
  );
  assert.equal(
    jobs[2].command,
    `/usr/local/bin/mycel --home ${h.home} sync serve --listen 0.0.0.0:40153 >/dev/null 2>&1`,
  );
});

Deno.test("renderPlist: CR, NEL, LINE and PARAGRAPH SEPARATOR read back as themselves, not as LF", () => {
  for (const c of ["\r", "\r\n", "\u0085", "\u2028", "\u2029"]) {
    const s = ` a${c}b `;
    assert.deepEqual(parse(renderPlist({ [s]: s, list: [s] })), { [s]: s, list: [s] }, escape(c));
  }
});

Deno.test("renderPlist: every accepted string reads back identically; the rest is refused", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
      // A `__proto__` key is something the npm parser (rightly) refuses to build.
      const key = s === "" || s === "__proto__" ? "k" : s;
      let xml: string;
      try {
        xml = renderPlist({ [key]: s, list: [s] });
      } catch (e) {
        assert.ok(isMycelError(e, "bad_plist_value"), String(e));
        const bad = [...s].some((c) => {
          const n = c.charCodeAt(0);
          return (n < 0x20 && !"\t\n\r".includes(c)) || n === 0xfffe || n === 0xffff;
        }) || !s.isWellFormed();
        assert.ok(bad, `refused a valid string ${JSON.stringify(s)}`);
        return;
      }
      assert.deepEqual(parse(xml), { [key]: s, list: [s] });
    }),
    { numRuns: 500 },
  );
});
