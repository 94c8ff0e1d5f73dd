/**
 * @module compile
 * `deno task compile [--all | --target TRIPLE...]`: single `mycel` binaries in
 * `dist/mycel-<target>` for Linux and macOS (x86_64, aarch64). Windows is not
 * a target: mycel drives systemd/launchd/cron, `ip`/`wg` and POSIX file modes.
 *
 * With `nodeModulesDir: manual`, `deno compile` embeds the whole node_modules
 * folder, so everything mycel does not load is excluded: every package outside
 * the run-time closure of package.json's dependencies (dev packages, the `deno`
 * npm package and its platform binaries, optional native add-ons such as
 * cbor-extract — cbor-x falls back to pure JS) and every `node_modules/.bin`: deno follows
 * their links, and `deno` there would pull the 91 MB deno binary back in. The embedded
 * files must stay within {@link MAX_EMBEDDED_BYTES}.
 *
 * `deno compile` needs a `denort` base binary per target: set `DENORT_BIN` to a
 * local one (host target only), or let deno download it where the network
 * allows. `deno task compile --list` prints what would be embedded without
 * any base binary (deno lists the files before it reads the base).
 */

import { type Embedded, parseEmbedded } from "./embedded.ts";
import { lazyModules } from "./lazy_modules.ts";

export { type Embedded, parseEmbedded };

/** Targets `--all` builds. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

/** Budget for the files embedded above the runtime. */
export const MAX_EMBEDDED_BYTES = 25 * 1024 * 1024;

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

interface LockEntry {
  dev?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Node's lookup of package `name` required from the package at `from` (a lockfile path). */
function resolve(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  for (let dir = from; dir !== ""; dir = dir.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, "")) {
    const candidate = `${dir}/node_modules/${name}`;
    if (candidate in packages) return candidate;
  }
  return `node_modules/${name}` in packages ? `node_modules/${name}` : null;
}

/**
 * Lockfile paths mycel loads at run time: package.json's dependencies (but
 * `deno`) and, transitively, their required and non-optional peer
 * dependencies. Optional dependencies are never followed.
 */
export function runtimeClosure(
  lock: { packages: Record<string, LockEntry> },
  dependencies: string[],
): Set<string> {
  const { packages } = lock;
  const keep = new Set<string>();
  const todo = dependencies.filter((d) => d !== "deno").map((d) => `node_modules/${d}`);
  while (todo.length > 0) {
    const path = todo.pop()!;
    if (keep.has(path) || !(path in packages)) continue;
    keep.add(path);
    const entry = packages[path];
    const peers = Object.keys(entry.peerDependencies ?? {})
      .filter((p) => !entry.peerDependenciesMeta?.[p]?.optional);
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...peers]) {
      const found = resolve(packages, path, name);
      if (found) todo.push(found);
    }
  }
  return keep;
}

/** node_modules paths not to embed (sorted). */
export async function excludedModules(root: URL): Promise<string[]> {
  const lock = JSON.parse(await Deno.readTextFile(new URL("package-lock.json", root)));
  const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", root)));
  const keep = runtimeClosure(lock, Object.keys(pkg.dependencies ?? {}));
  const drop = Object.keys(lock.packages).filter((p) => p.startsWith("node_modules/"))
    .filter((p) => !keep.has(p));
  // A path inside a dropped package goes with it.
  const top = drop.filter((p) => !drop.some((d) => p.startsWith(`${d}/`)));
  // Every node_modules folder's .bin: its links point into dropped packages.
  const nested = [...keep].filter((k) =>
    Object.keys(lock.packages).some((p) => p.startsWith(`${k}/node_modules/`))
  ).map((k) => `${k}/node_modules/.bin`);
  return ["node_modules/.bin", ...nested, ...top].sort();
}

/**
 * The `deno compile` argv for `target`. `includes`: the modules mycel loads
 * through `lazyImport` ({@link lazyModules}), which deno's graph cannot see.
 */
export function compileArgs(
  target: string,
  excludes: string[],
  output: string,
  includes: string[] = [],
): string[] {
  return [
    "compile",
    ...PERMISSIONS,
    "--no-check",
    ...includes.flatMap((i) => ["--include", i]),
    ...excludes.flatMap((e) => ["--exclude", e]),
    "--target",
    target,
    "--output",
    output,
    "main.ts",
  ];
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
    const args = compileArgs(
      hostTarget(),
      await excludedModules(root),
      `${tmp}/mycel`,
      await lazyModules(root),
    );
    const { text } = await denoCompile(root, args, { DENORT_BIN: `${tmp}/denort` });
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
  const excludes = await excludedModules(root);
  const includes = await lazyModules(root);
  let failed = 0;
  for (const target of chosen) {
    const output = `dist/mycel-${target}`;
    const { success, text } = await denoCompile(
      root,
      compileArgs(target, excludes, output, includes),
      {},
    );
    if (success) {
      const { totalBytes } = parseEmbedded(text);
      console.log(`built ${output} (embedded files ${mb(totalBytes)})`);
      if (totalBytes > MAX_EMBEDDED_BYTES) {
        console.error(`embedded files exceed the ${mb(MAX_EMBEDDED_BYTES)} budget`);
        failed++;
      }
      continue;
    }
    failed++;
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
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
