/**
 * @module compile
 * `deno task compile [--all | --target TRIPLE...]`: single `mycel` binaries in
 * `dist/mycel-<target>` for Linux and macOS (x86_64, aarch64). Windows is not
 * a target: mycel drives systemd/launchd/cron, `ip`/`wg` and POSIX file modes.
 *
 * The binary has mycel's V8 flags built in (src/runtime_flags.ts). It is
 * built from the bundle (scripts/bundle.ts: main.js, its
 * chunks and workers, npm packages inside), not from the sources: it embeds
 * those files and nothing else (no node_modules, no TypeScript to
 * transpile). The embedded files must stay within {@link MAX_EMBEDDED_BYTES}.
 *
 * `deno compile` needs a `denort` base binary per target: set `DENORT_BIN` to a
 * local one (host target only), or let deno download it where the network
 * allows. `deno task compile --list` prints what would be embedded without
 * any base binary (deno lists the files before it reads the base).
 */

import { type Embedded, parseEmbedded } from "./embedded.ts";
import { fileURLToPath } from "node:url";
import { bundle } from "./bundle.ts";
import { V8_FLAGS_ARG } from "../src/runtime_flags.ts";

export { type Embedded, parseEmbedded };

/** Targets `--all` builds. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

/** Budget for the files embedded above the runtime. */
export const MAX_EMBEDDED_BYTES = 8 * 1024 * 1024;

const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

/** The host's target triple. */
export function hostTarget(os: string = Deno.build.os, arch: string = Deno.build.arch): string {
  switch (os) {
    case "linux":
      return `${arch}-unknown-linux-gnu`;
    case "darwin":
      return `${arch}-apple-darwin`;
    default:
      throw new Error(`no mycel build for ${os}: only Linux and macOS are supported`);
  }
}

/**
 * The `deno compile` argv for `target`: the bundle in `bundleDir` (every file
 * of it included, since its chunks are imported by URL, which deno's graph
 * does not follow), without deno.json (no node_modules to embed).
 */
export function compileArgs(target: string, output: string, bundleDir: string): string[] {
  const dir = bundleDir.replace(/\/+$/, "");
  return [
    "compile",
    ...PERMISSIONS,
    "--no-check",
    "--no-config",
    V8_FLAGS_ARG,
    "--include",
    dir,
    "--target",
    target,
    "--output",
    output,
    `${dir}/main.js`,
  ];
}

/** Bundle `root` into a temporary folder for `fn`, removed afterwards. */
async function withBundle<T>(root: URL, fn: (dir: string) => Promise<T>): Promise<T> {
  const tmp = await Deno.makeTempDir({ prefix: "mycel-compile-" });
  try {
    await bundle(`${tmp}/bundle`, fileURLToPath(root).replace(/\/+$/, ""));
    return await fn(`${tmp}/bundle`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function denoCompile(root: URL, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { success: out.success, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/**
 * What `deno compile` would embed for the host target, without a base
 * binary: deno is given a placeholder base (not an executable), prints its
 * file listing, then fails to write; nothing is left behind.
 */
export async function embeddedFiles(
  root: URL,
): Promise<{ entries: Embedded[]; totalBytes: number; listing: string }> {
  const tmp = await Deno.makeTempDir({ prefix: "mycel-list-" });
  try {
    await Deno.writeTextFile(`${tmp}/denort`, "placeholder: not a runtime\n");
    const { text } = await withBundle(
      root,
      (dir) =>
        denoCompile(root, compileArgs(hostTarget(), `${tmp}/mycel`, dir), {
          DENORT_BIN: `${tmp}/denort`,
        }),
    );
    const start = text.indexOf("Embedded Files");
    const end = text.search(/^Remote modules:.*$/m);
    if (start < 0 || end < 0) throw new Error(`deno compile printed no file listing:\n${text}`);
    const listing = text.slice(start, text.indexOf("\n", end));
    return { ...parseEmbedded(listing), listing };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function main(args: string[]): Promise<number> {
  const root = new URL("../", import.meta.url);
  if (args.includes("--list")) {
    const { listing, totalBytes } = await embeddedFiles(root);
    console.log(listing);
    console.log(`\nembedded ${mb(totalBytes)} (budget ${mb(MAX_EMBEDDED_BYTES)})`);
    return totalBytes <= MAX_EMBEDDED_BYTES ? 0 : 1;
  }
  const targets = args.includes("--all")
    ? TARGETS
    : args.flatMap((a, i) => (a === "--target" ? [args[i + 1]] : [])).filter(Boolean);
  const chosen = targets.length > 0 ? targets : [hostTarget()];
  const unknown = chosen.filter((t) => !TARGETS.includes(t));
  if (unknown.length > 0) {
    console.error(`unknown target ${unknown.join(", ")}; mycel builds for ${TARGETS.join(", ")}`);
    return 2;
  }
  const denort = Deno.env.get("DENORT_BIN");
  if (denort && chosen.some((t) => t !== hostTarget())) {
    console.error(
      `DENORT_BIN only serves the host target (${hostTarget()}); other targets are downloaded.`,
    );
  }
  let failed = 0;
  await withBundle(root, async (dir) => {
    for (const target of chosen) {
      failed += await compileOne(root, target, dir);
    }
  });
  return failed === 0 ? 0 : 1;
}

/** Build dist/mycel-TARGET from the bundle in `dir`; 1 when it failed. */
async function compileOne(root: URL, target: string, dir: string): Promise<number> {
  const output = `dist/mycel-${target}`;
  const { success, text } = await denoCompile(root, compileArgs(target, output, dir), {});
  if (success) {
    const { totalBytes } = parseEmbedded(text);
    console.log(`built ${output} (embedded files ${mb(totalBytes)})`);
    if (totalBytes <= MAX_EMBEDDED_BYTES) return 0;
    console.error(`embedded files exceed the ${mb(MAX_EMBEDDED_BYTES)} budget`);
    return 1;
  }
  const download = /download|denort|dl\.deno\.land|connect|network/i.test(text);
  console.error(
    `failed to build ${output}${download ? ": the denort base binary is not available" : ""}`,
  );
  const reasons = text.split("\n").filter((l) => /error|Caused|^\s+\d+: (?!<unknown>)/.test(l));
  console.error(reasons.slice(0, 6).join("\n"));
  if (download) {
    console.error(
      "Set DENORT_BIN to a local denort binary of the same Deno version to build offline.",
    );
  }
  return 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
