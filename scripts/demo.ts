/**
 * @module demo
 * `deno task demo`: three devices in a temporary folder on loopback, each a
 * separate home driven through real `mycel` processes. They are paired with
 * real one-time codes (the second via the first, the third via the second), each
 * makes different changes, sync rounds run, and every device's view is
 * printed with its state digest — which must be equal. Everything is removed
 * afterwards, servers included (by PID).
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const enc = new TextDecoder();

interface Device {
  name: string;
  home: string;
  port: number;
  server?: Deno.ChildProcess;
  inviting?: Deno.ChildProcess;
}

async function mycel(d: Device, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--home", d.home, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = enc.decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `mycel ${args.join(" ")} (${d.name}) failed:\n${text}${enc.decode(out.stderr)}`,
    );
  }
  return text;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startServer(d: Device): Promise<void> {
  d.server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--home", d.home, "sync", "serve", "--listen", `127.0.0.1:${d.port}`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Wait for "listening on" so the first round does not race the bind.
  const reader = d.server.stderr.getReader();
  let seen = "";
  while (!seen.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server of ${d.name} exited: ${seen}`);
    seen += enc.decode(value);
  }
  reader.releaseLock();
  d.server.stderr.cancel().catch(() => {});
}

/** Start `mycel pair` (showing a code) on `d` and return the code it prints. */
async function startInvite(d: Device): Promise<string> {
  d.inviting = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "--home",
      d.home,
      "pair",
      "--listen",
      `127.0.0.1:${freePort()}`,
      "--ttl",
      "60s",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = d.inviting.stdout.getReader();
  let seen = "";
  while (true) {
    const code = /MYCEL(-[0-9A-Z]{4}){4,}/.exec(seen)?.[0];
    if (code) {
      reader.releaseLock();
      d.inviting.stdout.cancel().catch(() => {});
      return code;
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`${d.name} did not show a code: ${seen}`);
    seen += enc.decode(value);
  }
}

function step(text: string) {
  console.log(`\n== ${text}`);
}

async function main(): Promise<number> {
  const root = await Deno.makeTempDir({ prefix: "mycel-demo-" });
  const devices: Device[] = ["laptop", "desktop", "phone"].map((name) => ({
    name,
    home: `${root}/${name}`,
    port: freePort(),
  }));
  const [laptop, desktop, phone] = devices;
  try {
    step(`three devices in ${root}`);
    for (const d of devices) {
      await mycel(d, "init", "--name", d.name, "--listen", `127.0.0.1:${d.port}`);
      console.log(
        `${d.name}: ${(await mycel(d, "status", "--json")).match(/"id": "([^"]+)"/)?.[1]}`,
      );
    }
    step("pairing by code: desktop joins laptop, phone joins desktop");
    for (const [inviter, joiner] of [[laptop, desktop], [desktop, phone]]) {
      const code = await startInvite(inviter);
      console.log(`${inviter.name} shows ${code}`);
      const joined = await mycel(joiner, "pair", code);
      console.log(
        `${joiner.name}: ${
          joined.trim().split("\n").filter((l) => l.startsWith("paired")).join("")
        }`,
      );
      const status = await inviter.inviting!.status;
      if (!status.success) throw new Error(`${inviter.name}'s pairing failed`);
      inviter.inviting = undefined;
    }
    step("each device makes its own changes (offline)");
    await mycel(laptop, "--no-sync", "pref", "set", "theme", "dark");
    await mycel(laptop, "--no-sync", "config", "set", "editor.tab_size", "4");
    await mycel(desktop, "--no-sync", "app", "add", "firefox", "ripgrep");
    await mycel(desktop, "--no-sync", "pattern", "add", '{"id":"greeting","text":"Good morning!"}');
    await mycel(phone, "--no-sync", "pref", "set", "font", "mono");
    await mycel(phone, "--no-sync", "config", "set", "editor.wrap", "true");
    step("servers up; sync rounds");
    for (const d of devices) await startServer(d);
    for (let round = 1; round <= 2; round++) {
      for (const d of devices) {
        for (const line of (await mycel(d, "sync", "now")).trim().split("\n")) {
          console.log(`${d.name} → ${line}`);
        }
      }
    }
    step("what every device sees");
    const digests = new Set<string>();
    for (const d of devices) {
      const status = JSON.parse(await mycel(d, "status", "--json"));
      digests.add(status.state_digest);
      console.log(`-- ${d.name}  digest ${status.state_digest}`);
      console.log(`   prefs    ${(await mycel(d, "pref", "list")).trim().replaceAll("\n", ", ")}`);
      console.log(
        `   config   ${(await mycel(d, "config", "list")).trim().replaceAll("\n", ", ")}`,
      );
      console.log(`   apps     ${(await mycel(d, "app", "list")).trim().replaceAll("\n", ", ")}`);
      console.log(
        `   patterns ${(await mycel(d, "pattern", "list")).trim().replaceAll("\n", ", ")}`,
      );
      console.log(`   devices  ${status.mesh.devices} in mesh ${status.mesh.id}`);
    }
    const same = digests.size === 1;
    console.log(same ? "\nAll three devices have the same state." : "\nThe devices DIFFER.");
    return same ? 0 : 1;
  } finally {
    for (const d of devices) {
      for (const p of [d.server, d.inviting]) {
        try {
          p?.kill("SIGTERM");
          await p?.status;
        } catch {
          // already gone
        }
      }
    }
    await Deno.remove(root, { recursive: true });
  }
}

Deno.exit(await main());
