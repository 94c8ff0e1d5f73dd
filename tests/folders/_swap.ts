/**
 * The swap the swap_* tests make: two files of a shared folder synced to
 * every device, then their contents swapped on one device by three
 * renames, as a user (or a program saving through a temporary name) does.
 */

import { extname, join } from "node:path";
import type { Device } from "./_helpers.ts";
import { put, rounds, syncOk } from "./_helpers.ts";

/** The two texts the swap tests swap (sizes unequal, so size alone tells them apart). */
export const SWAP_TEXTS = ["one ".repeat(5000), "two ".repeat(6000)] as const;

/** Put `one` at `x` and `two` at `y` in `root` (device `devs[0]`'s folder), then sync everyone twice. */
export async function twoSynced(
  devs: readonly Device[],
  root: string,
  [x, y]: readonly [string, string],
  [one, two]: readonly [string | Uint8Array, string | Uint8Array],
): Promise<void> {
  await put(root, x, one);
  await put(root, y, two);
  await rounds(devs, 2);
}

/** Swap the contents of `x` and `y` in `root` by renames through a temporary name. */
export async function swapByRenames(root: string, x: string, y: string): Promise<void> {
  const tmp = `tmp${extname(x)}`;
  await Deno.rename(join(root, x), join(root, tmp));
  await Deno.rename(join(root, y), join(root, x));
  await Deno.rename(join(root, tmp), join(root, y));
}

/** Swap `x` and `y` on device `a` (folder `docs` at `root`), publish it, and let `b` take it. */
export async function swapReceived(
  a: Device,
  b: Device,
  root: string,
  x: string,
  y: string,
): Promise<void> {
  await swapByRenames(root, x, y);
  await a.ok(["folder", "scan", "docs"]);
  await syncOk(a);
  await syncOk(b);
}

/**
 * The swap tests' start: {@link SWAP_TEXTS} put at `x` and `y` on `a` (its
 * folder at `root`) and synced to every device of `devs`, then swapped on
 * `a` and taken by `b`; returns the two texts (`x` held the first).
 */
export async function textsSwapped(
  devs: readonly Device[],
  root: string,
  x: string,
  y: string,
): Promise<typeof SWAP_TEXTS> {
  await twoSynced(devs, root, [x, y], SWAP_TEXTS);
  await swapReceived(devs[0], devs[1], root, x, y);
  return SWAP_TEXTS;
}
