/**
 * @module compile
 * `deno task compile [--all | --target TRIPLE...]`: single `mycel` binaries in
 * `dist/mycel-<target>`. Only what the program needs is embedded: the Deno
 * npm package itself (`node_modules/deno`, `node_modules/@deno`) and every
 * development-only package (from package-lock.json; cbor-x, kept only to
 * check mycel's own CBOR codec against it, and its native cbor-extract are
 * among them) are excluded. The
 * permissions mycel needs are baked in. `deno compile` needs a `denort` base
 * binary per target: set `DENORT_BIN` to a local one (host target only), or
 * let deno download it where the network allows.
 */

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

/** The host's target triple. */
export function hostTarget(): string {
  const arch = Deno.build.arch;
  switch (Deno.build.os) {
    case "linux":
      return `${arch}-unknown-linux-gnu`;
    case "darwin":
      return `${arch}-apple-darwin`;
    case "windows":
      return `${arch}-pc-windows-msvc`;
    default:
      throw new Error(`no mycel build for ${Deno.build.os}`);
  }
}

/** node_modules folders not to embed. */
export async function excludedModules(root: URL): Promise<string[]> {
  const lock = JSON.parse(await Deno.readTextFile(new URL("package-lock.json", root)));
  const packages = Object.entries(lock.packages as Record<string, { dev?: boolean }>)
    .filter(([path]) => path.startsWith("node_modules/"));
  const dev = packages.filter(([, p]) => p.dev).map(([path]) => path);
  return [...new Set(["node_modules/deno", "node_modules/@deno", ...dev])].sort();
}

/** The `deno compile` argv for `target`. */
export function compileArgs(target: string, excludes: string[], output: string): string[] {
  return [
    "compile",
    ...PERMISSIONS,
    "--no-check",
    ...excludes.flatMap((e) => ["--exclude", e]),
    "--target",
    target,
    "--output",
    output,
    "main.ts",
  ];
}

async function main(args: string[]): Promise<number> {
  const root = new URL("../", import.meta.url);
  const targets = args.includes("--all")
    ? TARGETS
    : args.flatMap((a, i) => (a === "--target" ? [args[i + 1]] : [])).filter(Boolean);
  const chosen = targets.length > 0 ? targets : [hostTarget()];
  const denort = Deno.env.get("DENORT_BIN");
  if (denort && chosen.some((t) => t !== hostTarget())) {
    console.error(
      `DENORT_BIN only serves the host target (${hostTarget()}); other targets are downloaded.`,
    );
  }
  const excludes = await excludedModules(root);
  let failed = 0;
  for (const target of chosen) {
    const output = `dist/mycel-${target}`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(target, excludes, output),
      cwd: root,
      stdout: "inherit",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    if (out.success) {
      console.log(`built ${output}`);
      continue;
    }
    failed++;
    const download = /download|denort|dl\.deno\.land|connect|network/i.test(err);
    console.error(
      `failed to build ${output}${download ? ": the denort base binary is not available" : ""}`,
    );
    const reasons = err.split("\n").filter((l) => /error|Caused|^\s+\d+: (?!<unknown>)/.test(l));
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
