/**
 * @module key_passphrase_test
 * Where a passphrase comes from (key_passphrase.ts) and how the prompt edits
 * what is typed (key_prompt.ts): MYCEL_PASSPHRASE_FILE first (refused when
 * group/other can read it, not a file, empty or oversized; one trailing
 * newline dropped), then MYCEL_PASSPHRASE, then the prompter (three tries on
 * a wrong passphrase, a new one asked twice). The real terminal prompt is
 * driven on a pty in tests/cli/keys_prompt_test.ts.
 */

import assert from "node:assert/strict";
import { MycelError } from "../../src/errors.ts";
import { applyKey } from "../../src/storage/key_prompt.ts";
import {
  askNewPassphrase,
  passphraseFromEnv,
  readPassphraseFile,
  withPassphrase,
} from "../../src/storage/key_passphrase.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { tempDir } from "./helpers.ts";
import { spawnProcess } from "../helpers/process.ts";

async function writeMode(path: string, text: string, mode: number): Promise<string> {
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return path;
}

Deno.test("passphrase file: 0600 and 0400 are read, one trailing newline dropped", async () => {
  await using dir = await tempDir();
  assert.equal(
    await readPassphraseFile(await writeMode(`${dir.path}/a`, "s3 cret\n", 0o600)),
    "s3 cret",
  );
  assert.equal(await readPassphraseFile(await writeMode(`${dir.path}/b`, "x\r\n", 0o400)), "x");
  assert.equal(await readPassphraseFile(await writeMode(`${dir.path}/c`, "x\n\n", 0o600)), "x\n");
});

Deno.test("passphrase file: readable by group or others, empty, a folder, missing, huge — each refused by name", async () => {
  await using dir = await tempDir();
  for (const mode of [0o640, 0o604, 0o644, 0o666]) {
    const p = await writeMode(`${dir.path}/m${mode.toString(8)}`, "secret-pw", mode);
    const e = await assertRejectsMycel(() => readPassphraseFile(p), "passphrase_file");
    assert.match(e.message, /readable by others/);
    assert.equal(e.hint, `Run \`chmod 600 ${p}\`.`);
    assert.ok(!e.message.includes("secret-pw"));
  }
  const empty = await writeMode(`${dir.path}/empty`, "\n", 0o600);
  assert.match(
    (await assertRejectsMycel(() => readPassphraseFile(empty), "passphrase_file")).message,
    /empty/,
  );
  await Deno.mkdir(`${dir.path}/d`, { mode: 0o700 });
  await assertRejectsMycel(() => readPassphraseFile(`${dir.path}/d`), "passphrase_file");
  await assertRejectsMycel(() => readPassphraseFile(`${dir.path}/none`), "passphrase_file");
  const huge = await writeMode(`${dir.path}/huge`, "x".repeat(5000), 0o600);
  await assertRejectsMycel(() => readPassphraseFile(huge), "passphrase_file");
});

Deno.test("passphraseFromEnv: the file wins over the variable; neither gives undefined", async () => {
  await using dir = await tempDir();
  const file = await writeMode(`${dir.path}/pw`, "from-file\n", 0o600);
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.deepEqual(
    await passphraseFromEnv(env({ MYCEL_PASSPHRASE_FILE: file, MYCEL_PASSPHRASE: "from-var" })),
    { value: "from-file", source: "MYCEL_PASSPHRASE_FILE" },
  );
  assert.deepEqual(await passphraseFromEnv(env({ MYCEL_PASSPHRASE: "from-var" })), {
    value: "from-var",
    source: "MYCEL_PASSPHRASE",
  });
  assert.equal(await passphraseFromEnv(env({ MYCEL_PASSPHRASE: "" })), undefined);
});

/** A prompter answering from a list and recording the questions. */
function scripted(answers: (string | undefined)[]) {
  const asked: string[] = [];
  return {
    asked,
    prompt: (q: string) => {
      asked.push(q);
      return Promise.resolve(answers.shift());
    },
  };
}

const needed = () => new MycelError("passphrase_needed", "open", "no passphrase");
const open = (want: string) => (p: string) =>
  p === want
    ? Promise.resolve("opened")
    : Promise.reject(new MycelError("bad_passphrase", "open", "the passphrase is wrong"));

Deno.test("withPassphrase: the environment is used without asking; a wrong one is not retried", async () => {
  const s = scripted(["right"]);
  const env = (n: string) => (n === "MYCEL_PASSPHRASE" ? "right" : undefined);
  assert.equal(await withPassphrase(env, s.prompt, "Q: ", open("right"), needed), "opened");
  assert.deepEqual(s.asked, []);
  const wrongEnv = (n: string) => (n === "MYCEL_PASSPHRASE" ? "wrong" : undefined);
  await assertRejectsMycel(
    () => withPassphrase(wrongEnv, s.prompt, "Q: ", open("right"), needed),
    "bad_passphrase",
  );
  assert.deepEqual(s.asked, [], "a passphrase from the environment is never followed by a prompt");
});

Deno.test("withPassphrase: the prompt gets three tries; no answer or no prompt is passphrase_needed", async () => {
  const none = () => undefined;
  const twice = scripted(["a", "b", "right"]);
  assert.equal(await withPassphrase(none, twice.prompt, "Q: ", open("right"), needed), "opened");
  assert.equal(twice.asked.length, 3);
  const never = scripted(["a", "b", "c", "right"]);
  await assertRejectsMycel(
    () => withPassphrase(none, never.prompt, "Q: ", open("right"), needed),
    "bad_passphrase",
  );
  assert.equal(never.asked.length, 3);
  await assertRejectsMycel(
    () => withPassphrase(none, scripted([undefined]).prompt, "Q: ", open("x"), needed),
    "passphrase_needed",
  );
  await assertRejectsMycel(
    () => withPassphrase(none, undefined, "Q: ", open("x"), needed),
    "passphrase_needed",
  );
});

Deno.test("askNewPassphrase: empty means none; it must be typed the same twice", async () => {
  assert.equal(await askNewPassphrase(scripted([""]).prompt, "New: "), undefined);
  assert.equal(await askNewPassphrase(scripted(["a", "b", "c", "c"]).prompt, "New: "), "c");
  await assertRejectsMycel(
    () => askNewPassphrase(scripted(["a", "b", "a", "b", "a", "b"]).prompt, "New: "),
    "passphrase_mismatch",
  );
});

Deno.test("prompt keys: Backspace removes a whole UTF-8 character, Ctrl-U clears, Enter/Ctrl-C/Ctrl-D end", () => {
  const typed: number[] = [];
  const feed = (bytes: number[]) => bytes.map((b) => applyKey(typed, b)).filter(Boolean);
  assert.deepEqual(feed([...new TextEncoder().encode("pé")]), []);
  assert.deepEqual(feed([0x7f]), []);
  assert.equal(new TextDecoder().decode(new Uint8Array(typed)), "p", "é (2 bytes) went at once");
  feed([0x1b, 0x09]); // Escape, Tab: ignored
  assert.deepEqual(typed, [0x70]);
  feed([0x15]);
  assert.equal(typed.length, 0);
  assert.equal(applyKey(typed, 0x04), "eof", "Ctrl-D on an empty line");
  typed.push(0x61);
  assert.equal(applyKey(typed, 0x04), undefined, "Ctrl-D after text is ignored");
  assert.equal(applyKey(typed, 0x03), "cancel");
  assert.equal(applyKey(typed, 0x0d), "done");
  assert.equal(applyKey(typed, 0x0a), "done");
  const long: number[] = [];
  for (let i = 0; i < 2000; i++) applyKey(long, 0x61);
  assert.equal(long.length, 1024, "answers are bounded");
});

Deno.test({
  name:
    "passphrase file read by root for the home's owner: swapped for a FIFO while it is read, the read never stalls",
  ignore: Deno.uid() !== 0 || Deno.build.os !== "linux",
  async fn() {
    await using dir = await tempDir();
    const path = `${dir.path}/pp`, good = `${dir.path}/good`, fifo = `${dir.path}/fifo`;
    await writeMode(path, "pass\n", 0o600);
    // The reader: root reading the user's file many times (mesh up in system units).
    const script = `${dir.path}/reader.ts`;
    const src = new URL("../../src/storage/key_passphrase.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { readPassphraseFile } from ${JSON.stringify(src)};\n` +
        // Until it met the FIFO 20 times (refused as no regular file), or a bound.
        `let fifos = 0;\n` +
        `for (let i = 0; i < 200000 && fifos < 20; i++) {\n` +
        `  await readPassphraseFile(${JSON.stringify(path)}, 1000).catch((e) => {\n` +
        `    if (/not a regular file/.test(e.message)) fifos++;\n` +
        `  });\n` +
        `}\n` +
        `console.log(fifos);\n`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", script],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The owner swaps the file for a FIFO and back, as fast as it can.
    let done = false;
    const status = child.status.finally(() => done = true);
    const started = Date.now();
    while (!done && Date.now() - started < 20_000) {
      await Deno.writeTextFile(good, "pass\n", { mode: 0o600 });
      await Deno.rename(good, path);
      await new Deno.Command("mkfifo", { args: ["-m", "600", fifo] }).output();
      await Deno.rename(fifo, path);
    }
    const stalled = !done;
    if (stalled) child.kill("SIGKILL");
    const [s, out] = await Promise.all([status, new Response(child.stdout).text()]);
    await child.stderr.cancel().catch(() => {});
    assert.ok(!stalled, "a read stalled on a FIFO swapped in after the check");
    assert.equal(s.code, 0);
    assert.equal(out.trim(), "20", "the reader met the FIFO");
  },
});

Deno.test({
  name:
    "passphrase file read by root for the home's owner: a link the owner put at its name is refused, never followed to a root file or a device, and no FIFO or device is opened",
  ignore: Deno.uid() !== 0 || Deno.build.os !== "linux",
  async fn() {
    await using dir = await tempDir();
    // A file only root may read, and the owner's passphrase path made a link to it.
    const rootOnly = await writeMode(`${dir.path}/root-only`, "root's secret\n", 0o600);
    const path = `${dir.path}/pp`;
    await Deno.symlink(rootOnly, path);
    const e = await assertRejectsMycel(() => readPassphraseFile(path, 1000), "passphrase_file");
    assert.match(e.message, /symbolic link/);
    assert.ok(!e.message.includes("secret"));
    // A link to a device: refused as a link, so the device is never opened
    // (before: opened, then refused as no regular file).
    await Deno.remove(path);
    await Deno.symlink("/dev/null", path);
    const d = await assertRejectsMycel(() => readPassphraseFile(path, 1000), "passphrase_file");
    assert.match(d.message, /symbolic link/);
    assert.equal(d.hint, "Point MYCEL_PASSPHRASE_FILE at the file itself.");
    // A folder on the way made a link, to where the name is a FIFO (a device
    // would be the same): refused as no regular file, and never opened — a
    // writer waiting on the FIFO is still waiting (before, opening it for
    // reading let the writer through).
    await Deno.mkdir(`${dir.path}/elsewhere`);
    await new Deno.Command("mkfifo", { args: ["-m", "600", `${dir.path}/elsewhere/pp`] }).output();
    await Deno.symlink(`${dir.path}/elsewhere`, `${dir.path}/keys`);
    const writer = spawnProcess(Deno.execPath(), [
      "eval",
      `console.log("waiting"); Deno.openSync(${
        JSON.stringify(`${dir.path}/elsewhere/pp`)
      }, { write: true }); console.log("opened");`,
    ], { timeoutMs: 30_000 });
    try {
      await writer.waitFor(/^waiting$/m, { stream: "stdout" });
      const f = await assertRejectsMycel(
        () => readPassphraseFile(`${dir.path}/keys/pp`, 1000),
        "passphrase_file",
      );
      assert.match(f.message, /not a regular file/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(writer.exited, false, "the FIFO was opened");
    } finally {
      await writer.stop();
    }
    // The owner's own file at the name is read as before.
    await Deno.remove(path);
    await writeMode(path, "pass\n", 0o600);
    await Deno.chown(path, 1000, 1000);
    assert.equal(await readPassphraseFile(path, 1000), "pass");
  },
});
