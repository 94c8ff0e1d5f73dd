/**
 * @module home_info
 * `home.json`: which device this home is and which mesh it belongs to. Small,
 * human-readable, replaced atomically at `init` and when the device joins a
 * mesh. Kept apart from the snapshot so a damaged snapshot never loses who
 * we are.
 */

import { MycelError } from "../errors.ts";
import { writeFileAtomic } from "./atomic.ts";
import type { HomePaths } from "./home.ts";

/** Contents of `home.json`. */
export interface HomeInfo {
  /** Format version. */
  version: 1;
  /** This device's id. */
  device: string;
  /** The mesh it belongs to. */
  mesh: string;
}

/** Read `home.json`; `not_initialized` when there is none. */
export async function readHomeInfo(paths: HomePaths): Promise<HomeInfo> {
  let text: string;
  try {
    text = await Deno.readTextFile(paths.info);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new MycelError("not_initialized", "open mycel home", "it has not been set up", {
        value: paths.root,
        hint: "Run `mycel init` first (or pass --home DIR to use another home).",
      });
    }
    throw e;
  }
  let info: HomeInfo;
  try {
    info = JSON.parse(text);
  } catch (e) {
    throw new MycelError("bad_home", "read home info", "it is not valid JSON", {
      value: paths.info,
      cause: e,
    });
  }
  if (info?.version !== 1 || typeof info.device !== "string" || typeof info.mesh !== "string") {
    throw new MycelError("bad_home", "read home info", "it is malformed", { value: paths.info });
  }
  return info;
}

/** Replace `home.json` atomically. */
export async function writeHomeInfo(paths: HomePaths, info: HomeInfo): Promise<void> {
  await writeFileAtomic(paths.info, new TextEncoder().encode(JSON.stringify(info, null, 2) + "\n"));
}
