/**
 * @module install_script_test
 * `scripts/install.sh` run by /bin/sh with a stand-in for the compiled binary
 * (a script that runs this checkout's mycel: there is no denort base here to
 * build the real one): the binary, the three completions and the man page
 * land under the prefix with their modes and exactly the contents the
 * checkout generates; every step is printed; a second run replaces the files
 * in place; `--uninstall` removes them. As a normal user (root drops to
 * `nobody` with setpriv) the default prefix is ~/.local. Bad input (a missing
 * binary, a relative prefix, a binary that does not run) fails with a message
 * and installs nothing.
 */

import assert from "node:assert/strict";
import { MAIN_TS, REPO_ROOT } from "./helpers/mycel.ts";
import { runProcess, which } from "./helpers/process.ts";

const SCRIPT = `${REPO_ROOT}/scripts/install.sh`;
const FILES = {
  "bin/mycel": 0o755,
  "share/bash-completion/completions/mycel": 0o644,
  "share/zsh/site-functions/_mycel": 0o644,
  "share/fish/vendor_completions.d/mycel.fish": 0o644,
  "share/man/man1/mycel.1": 0o644,
};

/** A temporary folder holding a stand-in mycel binary; `chown` gives it to a user. */
async function standIn(): Promise<{ dir: string; bin: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-install-" });
  await Deno.chmod(dir, 0o755);
  const bin = `${dir}/mycel-standin`;
  await Deno.writeTextFile(
    bin,
    `#!/bin/sh\nexec '${Deno.execPath()}' run -A --quiet '${MAIN_TS}' "$@"\n`,
  );
  await Deno.chmod(bin, 0o755);
  return { dir, bin };
}

function sh(args: string[], env: Record<string, string> = {}) {
  return runProcess("/bin/sh", [SCRIPT, ...args], {
    env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", NO_COLOR: "1", ...env },
    clearEnv: true,
    timeoutMs: 120_000,
  });
}

async function expected(): Promise<Record<string, string>> {
  const read = (p: string) => Deno.readTextFile(`${REPO_ROOT}/${p}`);
  return {
    "share/bash-completion/completions/mycel": await read("completions/mycel.bash"),
    "share/zsh/site-functions/_mycel": await read("completions/_mycel"),
    "share/fish/vendor_completions.d/mycel.fish": await read("completions/mycel.fish"),
    "share/man/man1/mycel.1": await read("docs/mycel.1"),
  };
}

Deno.test("install.sh --prefix puts the binary, completions and man page in place and says so", async () => {
  const { dir, bin } = await standIn();
  try {
    const prefix = `${dir}/prefix`;
    const r = await sh(["--prefix", prefix, bin]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 5), Object.keys(FILES).map((f) => `installed ${prefix}/${f}`));
    assert.equal(lines[5], `mycel 0.1.0 is installed under ${prefix}`);
    assert.ok(
      lines.includes(`note: ${prefix}/bin is not on your PATH; add it (e.g. in ~/.profile)`),
    );
    assert.equal(
      lines.at(-1),
      `next: mycel service install (runs sync every 30 s with ${prefix}/bin/mycel)`,
    );
    for (const [f, mode] of Object.entries(FILES)) {
      assert.equal((await Deno.stat(`${prefix}/${f}`)).mode! & 0o777, mode, f);
    }
    assert.equal(await Deno.readTextFile(`${prefix}/bin/mycel`), await Deno.readTextFile(bin));
    for (const [f, text] of Object.entries(await expected())) {
      assert.ok(
        (await Deno.readTextFile(`${prefix}/${f}`)) === text,
        `${f} is what mycel generates`,
      );
    }
    // Again: replaced in place, no temporary files left behind.
    const again = await sh([`--prefix=${prefix}/`, bin], { PATH: `${prefix}/bin:/usr/bin:/bin` });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(!again.stdout.includes("not on your PATH"), again.stdout);
    const names = [];
    for await (const e of Deno.readDir(`${prefix}/share/man/man1`)) names.push(e.name);
    assert.deepEqual(names, ["mycel.1"]);

    const rm = await sh(["--prefix", prefix, "--uninstall"]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout, Object.keys(FILES).map((f) => `removed ${prefix}/${f}\n`).join(""));
    for (const f of Object.keys(FILES)) await assert.rejects(Deno.stat(`${prefix}/${f}`));
    const none = await sh(["--prefix", prefix, "--uninstall"]);
    assert.equal(none.stdout, `nothing was installed under ${prefix}\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("install.sh refuses bad input with a message and installs nothing", async () => {
  const { dir, bin } = await standIn();
  try {
    const prefix = `${dir}/prefix`;
    const missing = await sh(["--prefix", prefix, `${dir}/no-such-binary`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error: .*no-such-binary is not an executable file/);
    assert.match(missing.stderr, /hint: build it with `npx deno task compile`/);
    const relative = await sh(["--prefix", "rel/dir", bin]);
    assert.equal(relative.code, 2);
    assert.match(relative.stderr, /the prefix must be an absolute path: rel\/dir/);
    assert.equal((await sh(["--bogus"])).code, 2);
    await assert.rejects(Deno.stat(prefix), Deno.errors.NotFound, "nothing installed");

    const broken = `${dir}/broken`;
    await Deno.writeTextFile(broken, "#!/bin/sh\nexit 7\n");
    await Deno.chmod(broken, 0o755);
    const r = await sh(["--prefix", prefix, broken]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /does not run on this machine/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("install.sh as a normal user installs under ~/.local by default", async () => {
  const root = Deno.uid() === 0;
  const setpriv = which("setpriv");
  if (root && !setpriv) {
    console.log("user install test skipped: running as root without setpriv to drop to nobody");
    return;
  }
  const { dir, bin } = await standIn();
  try {
    const home = `${dir}/home`;
    await Deno.mkdir(home);
    if (root) await runProcess("chown", ["nobody:nogroup", home]);
    const argv = [
      ...(root ? [setpriv!, "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : []),
      "/bin/sh",
      SCRIPT,
      bin,
    ];
    const r = await runProcess(argv[0], argv.slice(1), {
      env: { PATH: "/usr/bin:/bin", HOME: home, DENO_DIR: `${home}/.deno`, NO_COLOR: "1" },
      clearEnv: true,
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    for (const f of Object.keys(FILES)) {
      const st = await Deno.stat(`${home}/.local/${f}`);
      if (root) assert.notEqual(st.uid, 0, `${f} belongs to the user`);
    }
    assert.match(r.stdout, new RegExp(`is installed under ${home}/\\.local\n`));
    assert.match(r.stdout, /note: for zsh, add .*\/\.local\/share\/zsh\/site-functions to fpath/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
