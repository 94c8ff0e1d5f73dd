/**
 * @module folder_restore_choice
 * Which kept version `mycel folder restore PATH --version N|TIME`
 * (folder_restore.ts) means: --version read as a time a version
 * was kept (as `folder versions --json` prints it) or a number from the
 * newest, then found among the file's kept versions — each way it can miss
 * refused as a usage error that says where the numbers or times are
 * listed. Apart from the command because this is the one part of it that
 * reads the flag and the versions list, before anything is put back.
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { plural } from "../../human.ts";
import { lazyImport } from "../../lazy_import.ts";
import type { KeptVersion } from "../../files/versions.ts";
import { asWord } from "./folder_versions.ts";
import type { CommandContext } from "../command.ts";
import type { ListedVersion } from "../listed_versions.ts";

/** A `kept` time as `folder versions --json` prints it. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A time as `folder versions` lists it (human.ts localTime): to the second, with its offset. */
const LISTED_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2}:\d{2})$/;

/**
 * What --version asks for: a version kept from `at` for `span` ms (a `kept`
 * time names its millisecond, a listed time its second), else its number
 * `n` (1 = newest).
 */
export interface VersionWanted {
  readonly at: number | undefined;
  readonly span: number;
  readonly n: number;
}

/** `given` as a time --version takes: the start of what it names and how long that is (ms). */
function timeGiven(given: string | undefined): { at: number; span: number } | undefined {
  if (given === undefined) return undefined;
  if (ISO_TIME.test(given)) return { at: Date.parse(given), span: 1 };
  // What the list shows is what a user copies: before, only --json's form was taken.
  const m = LISTED_TIME.exec(given);
  const at = m === null ? NaN : Date.parse(`${m[1]}T${m[2]}${m[3]}`);
  return Number.isFinite(at) ? { at, span: 1000 } : undefined;
}

/**
 * Read --version (`given`; `path` is the PATH argument, for the hint):
 * `bad_version` when it is neither a number from 1 nor such a time.
 */
export function versionWanted(given: string | undefined, path: unknown): VersionWanted {
  // A time names one version for good; a number counts from the newest,
  // which a round keeping another version meanwhile shifts.
  const time = timeGiven(given);
  const at = time?.at;
  // Digits only: Number() would take " 1", "1e0", "0x1" and "+1".
  const n = at !== undefined
    ? 0
    : given === undefined
    ? 1
    : /^[1-9][0-9]{0,8}$/.test(given)
    ? Number(given)
    : NaN;
  if (at === undefined && (!Number.isSafeInteger(n) || n < 1)) {
    // A date not as --json prints it was told "takes a number" (the help says N|TIME).
    const dated = /^\d{4}-/.test(given ?? "");
    throw new MycelError(
      "bad_version",
      "restore file",
      dated
        ? "--version takes a time as `folder versions` lists it (2026-03-04 05:06:07 +01:00) " +
          "or as `kept` of its --json (2026-03-04T04:06:07.089Z)"
        : "--version takes a number from 1",
      {
        value: String(given),
        hint: `See \`mycel folder versions ${asWord(path)}\` for the ${
          dated ? "times" : "numbers"
        }.`,
        exit: ExitCode.usage,
      },
    );
  }
  return { at, span: time?.span ?? 1, n };
}

/**
 * The kept version of `rel` in the folder at `root` that `wanted` names,
 * and its number: `nothing_to_restore` (exit 1) when there are none,
 * `bad_version` (a usage error, 2) when none was kept at that time or there
 * are fewer than that number.
 */
export async function pickKept(
  ctx: CommandContext,
  folder: string,
  root: string,
  rel: string,
  wanted: VersionWanted,
  given: string | undefined,
  path: unknown,
): Promise<{ n: number; kept: ListedVersion }> {
  const { listedVersions } = await lazyImport<typeof import("../listed_versions.ts")>(
    new URL("../listed_versions.ts", import.meta.url),
  );
  let n = wanted.n;
  const at = wanted.at;
  const list = await listedVersions(ctx, folder, root, rel);
  if (list.length === 0) {
    // A folder with kept files under it is restored as one (restore_dir.ts).
    throw new MycelError("nothing_to_restore", "restore file", "it has no kept versions", {
      value: rel,
      hint: "Replaced and deleted files are kept under .mycel/versions for as long as " +
        `\`mycel folder retention ${folder}\` says (30 days unless set).`,
      // Nothing to put back is the folder's state, not a mistake on the command
      // line: exit 1 as for a folder with nothing deleted under it (restore_dir.ts);
      // it was a usage error (2) under bad_version, though no --version was given.
      exit: ExitCode.failure,
    });
  }
  if (at !== undefined) {
    const within = (v: KeptVersion) => v.keptAt >= at && v.keptAt < at + wanted.span;
    const i = list.findIndex(within);
    if (i >= 0 && list.filter(within).length > 1) {
      // A listed time is to the second: two versions kept in it, neither is guessed.
      throw new MycelError(
        "bad_version",
        "restore file",
        `${list.filter(within).length} versions were kept in that second`,
        {
          value: given!,
          hint: `Give its number, or its \`kept\` time from \`mycel folder versions ${
            asWord(path)
          } --json\`.`,
          exit: ExitCode.usage,
        },
      );
    }
    if (i < 0) {
      throw new MycelError("bad_version", "restore file", "no version was kept at that time", {
        value: given!,
        hint: `See \`mycel folder versions ${asWord(path)} --json\` for the times.`,
        exit: ExitCode.usage,
      });
    }
    n = i + 1;
  }
  if (n > list.length) {
    throw new MycelError(
      "bad_version",
      "restore file",
      list.length === 1
        ? "there is 1 kept version"
        : `there are ${plural(list.length, "kept version")}`,
      {
        value: String(given ?? 1),
        hint: `See \`mycel folder versions ${asWord(path)}\`.`,
        exit: ExitCode.usage,
      },
    );
  }
  return { n, kept: list[n - 1] };
}
