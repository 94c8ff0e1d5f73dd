/**
 * @module posix_path
 * `resolve` and `dirname` for POSIX paths, as `node:path` gives them, for
 * the modules every command loads: importing `node:path` costs a command
 * about 13 ms of start-up on top of `node:sqlite` (measured with hyperfine:
 * docs/benchmarks.md, "Start-up"), more than the home guard's whole use of
 * it. Pure: the working folder is passed in. tests/posix_path_test.ts checks
 * both against `node:path` on random paths.
 */

/** `path` made absolute against `cwd` and normalised (`.`, `..`, repeated and trailing `/`). */
export function resolvePath(path: string, cwd: string): string {
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * The folder holding `path`, as `node:path`'s `dirname`: the text before
 * the last slash that follows a name (trailing slashes are not a level), `/`
 * at the root (`//` kept when the path starts with exactly that and holds
 * nothing more before its last name), `.` for a bare name.
 */
export function parentPath(path: string): string {
  if (path === "") return ".";
  let i = path.length - 1;
  while (i >= 1 && path[i] === "/") i--; // trailing slashes
  while (i >= 1 && path[i] !== "/") i--; // the last name
  if (i < 1) return path[0] === "/" ? "/" : ".";
  return i === 1 && path[0] === "/" ? "//" : path.slice(0, i);
}
