/**
 * @module faketime
 * Where libfaketime's multi-thread variant is (Debian, any architecture, and
 * a local install), for tests that move a child process's clock through
 * `LD_PRELOAD` and `FAKETIME` (Deno honours both).
 */

/** The library's path, or undefined when it is not installed (or not Linux). */
export function findLibfaketime(): string | undefined {
  if (Deno.build.os !== "linux") return undefined;
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  return [
    `/usr/lib/${arch}-linux-gnu/faketime/libfaketimeMT.so.1`,
    "/usr/lib/faketime/libfaketimeMT.so.1",
    "/usr/local/lib/faketime/libfaketimeMT.so.1",
  ].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
}

/** Options that run a mycel process with its wall clock `offset` away (e.g. "+3d"). */
export function fakeClock(offset: string): { env: Record<string, string> } {
  const lib = findLibfaketime();
  if (lib === undefined) throw new Error("libfaketime is not installed");
  return { env: { LD_PRELOAD: lib, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: "1" } };
}

/**
 * A test that moves a clock with libfaketime: run where it is installed and
 * always in CI (which installs it: missing there is a failure), skipped
 * elsewhere with the reason printed.
 */
export function faketimeTest(name: string, fn: () => Promise<void>): void {
  const lib = findLibfaketime();
  const inCi = Deno.env.get("CI") !== undefined;
  if (lib === undefined && !inCi) {
    console.log(
      `skipped: ${name}: libfaketime is not installed ` +
        "(Debian: apt-get install faketime; scripts/install_test_deps.sh does it)",
    );
  }
  Deno.test({
    name,
    ignore: lib === undefined && !inCi,
    async fn() {
      if (lib === undefined) {
        throw new Error("CI must install faketime (scripts/install_test_deps.sh)");
      }
      await fn();
    },
  });
}
