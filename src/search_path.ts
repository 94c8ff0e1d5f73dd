/**
 * @module search_path
 * The PATH a tool mycel runs is looked up in and given (tool_run.ts, and
 * mesh/child_env.ts for the ones started in the background): only its
 * absolute folders. An empty entry (`PATH=/usr/bin:`, `::`) or a relative
 * one (`.`, `bin`) makes the lookup try the current folder, and there a
 * member may have synced an executable file named `ip`, `wg` or
 * `secret-tool` (a synced folder keeps exec bits): `mycel mesh up` run from
 * inside it ran that file, as root. Pure.
 */

/** What a tool is looked up in when no absolute folder is left. */
export const DEFAULT_SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** `path` without its empty and relative entries (the default if none is left). */
export function searchPath(path: string | undefined): string {
  const kept = (path ?? "").split(":").filter((dir) => dir.startsWith("/"));
  return kept.length > 0 ? kept.join(":") : DEFAULT_SEARCH_PATH;
}
