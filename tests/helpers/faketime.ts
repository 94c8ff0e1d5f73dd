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
