/**
 * @module unfetchable
 * Files a round could not fetch because nobody can send them: every device
 * that could hold their content (the devices still in the mesh that sync the
 * folder, this one aside) answered, in this round, that it lacks a chunk of
 * theirs (or a blob of their chunk list). That happens when the only device
 * that had a version was removed or retired before anyone fetched it, or when
 * this device made it and lost its copy while the folder was left here.
 * When the maker is itself one of those devices (`makerLacks`), either it
 * changed the file after publishing the version and has not scanned since
 * (its next scan publishes the newer one, which ends the wait), or it lost
 * it while the folder was left there (only `folder override` there ends
 * it); this device can't tell which, and an override here would publish its
 * older copy over the maker's, so the report points at the maker.
 *
 * Only what peers said in this round counts: a holder not reached, or
 * dropped before it answered, leaves the file "still to come". Nothing here
 * changes what is planned or fetched — the file is asked for again every
 * round, so a device that gains the content (joins the folder again, say)
 * ends the wait by itself; `folder override` ends it by hand. Before, such a
 * file made every round exit 3 ("still to come") for good with nothing said
 * about why. Leaving such versions out of the plan was tried and reverted
 * (a rename by a retired device then lost its new name everywhere).
 */

import type { FileVersion } from "../log/file_version.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { Fetcher } from "./file_fetch.ts";

/** A file nobody can send, as the round report gives it. */
export interface UnfetchableFile {
  readonly path: string;
  readonly size: number;
  /** Who made the version: a device's name, with "(removed)" when it was; or "this device". */
  readonly maker: string;
  /** The maker is one of the devices that said it lacks the content (see the module comment). */
  readonly makerLacks: boolean;
}

/** What the peers of one round said they lack (see the module comment). */
export class NobodyHas {
  readonly #holders: readonly DeviceKey[];
  readonly #makerOf: (id: string) => string;
  readonly #none = new Map<string, Set<DeviceKey>>();

  /**
   * `holders`: every device other than this one that could hold the
   * folder's content; `makerOf`: how a version's maker (a device id) is named.
   */
  constructor(holders: readonly DeviceKey[], makerOf: (id: string) => string) {
    this.#holders = holders;
    this.#makerOf = makerOf;
  }

  /** Take in what `fetcher`'s peers answered for `ids`. */
  heard(fetcher: Fetcher, ids: Iterable<string>): void {
    for (const id of ids) {
      const from = fetcher.noneFrom(id);
      if (from === undefined) continue;
      const none = this.#none.get(id);
      if (none === undefined) this.#none.set(id, new Set(from));
      else for (const k of from) none.add(k);
    }
  }

  /** True when every holder said it lacks `id` (with no holder left, nobody has it). */
  lacks(id: string): boolean {
    const none = this.#none.get(id);
    return this.#holders.every((k) => none?.has(k) === true);
  }

  /** The report's entry for a file whose missing `ids` include one nobody has. */
  unfetchable(
    version: FileVersion & { kind: "file" },
    ids: Iterable<string>,
  ): UnfetchableFile | undefined {
    for (const id of ids) {
      if (this.lacks(id)) {
        const maker = DeviceKey.fromId(version.modifiedBy);
        return {
          path: version.path,
          size: version.size,
          maker: this.#makerOf(version.modifiedBy),
          makerLacks: this.#holders.includes(maker),
        };
      }
    }
    return undefined;
  }
}
