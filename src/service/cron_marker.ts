/**
 * @module cron_marker
 * How mycel's block in a crontab is found again: a marker comment that says
 * the interval (`# mycel: sync every 30 seconds`), then the job lines, each
 * running `mycel … --home HOME sync now` or `… sync serve` (as every release
 * wrote them). `service install --cron
 * --apply` replaces the block, `service uninstall --cron` removes it and
 * `doctor` looks for it. Before, the marker always said 30 seconds and the
 * block was taken to be two or three lines, so with `--interval 10s` (six
 * round lines) re-applying piled up rounds and uninstalling left four behind.
 * A marker is exactly a line cronMarker writes, not any line starting like
 * one: a user's comment that does is left alone (issue 13). Blanks an
 * editor left at the end of a marker, or of a job line, do not make the
 * block the user's.
 */

const PREFIX = "# mycel: sync every ";

/** Seconds in each unit a marker names. */
const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600 };

/** The marker of a round every 30 s, the default (the text older releases always wrote). */
export const CRON_MARKER = `${PREFIX}30 seconds`;

/** The marker line above the block of a round every `seconds`. */
export function cronMarker(seconds: number): string {
  const [n, unit] = seconds % 3600 === 0
    ? [seconds / 3600, "hour"]
    : seconds % 60 === 0
    ? [seconds / 60, "minute"]
    : [seconds, "second"];
  return `${PREFIX}${n} ${unit}${n === 1 ? "" : "s"}`;
}

/**
 * True for a marker line of any interval: exactly a line {@link cronMarker}
 * writes (and so the 30-second one older releases always wrote). A user's
 * comment that only starts like one (`# mycel: sync every 30 seconds is too
 * often for me`) is theirs: taken for a marker, uninstall deleted it and
 * `service status` and `doctor` said cron lines were installed.
 */
export function isCronMarker(line: string): boolean {
  const m = /^# mycel: sync every ([1-9][0-9]{0,5}) (second|minute|hour)s?$/.exec(line);
  if (m === null) return false;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]];
  return cronMarker(seconds) === line;
}

/**
 * True when `lines[i]` begins one of mycel's blocks: a marker, or one an
 * editor left blanks (a space, a CR) at the end of with mycel's job lines
 * right under it. Taken for the user's, that block stayed — and ran beside
 * the one `--apply` added, doubling the rounds — and `service status` and
 * `doctor` said nothing was installed (a review).
 */
function blockAt(lines: readonly string[], i: number): boolean {
  if (isCronMarker(lines[i])) return true;
  const text = lines[i].trimEnd();
  return text !== lines[i] && isCronMarker(text) && isMycelCronJob(lines[i + 1] ?? "");
}

/**
 * True for one of the job lines under a marker, as renderCron writes them
 * (every release has): a round ends in `sync now --timeout 20 >/dev/null
 * 2>&1`, the listener in `sync serve --listen ADDRESS >/dev/null 2>&1`. A
 * line of the user's own right under the block (another home's round with
 * its own log, say) is none of them and stays.
 */
export function isMycelCronJob(line: string): boolean {
  return / --home .* sync (now --timeout 20|serve --listen \S+) >\/dev\/null 2>&1$/.test(
    line.trimEnd(),
  );
}

/** `text` (a crontab) without mycel's blocks: each marker and the job lines under it. */
export function withoutMycel(text: string): string {
  const out: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (blockAt(lines, i)) {
      while (i + 1 < lines.length && isMycelCronJob(lines[i + 1])) i++;
      continue;
    }
    out.push(lines[i]);
  }
  return out.join("\n").replace(/\n*$/, "\n").replace(/^\n$/, "");
}

/**
 * True when the crontab `text` holds a block of mycel's: a marker with at
 * least one of its job lines under it, not commented out (a marker whose
 * lines were deleted or all commented out by hand runs nothing). Such
 * lines are still mycel's: withoutMycel() removes them with the block.
 */
export function hasMycelCron(text: string): boolean {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!blockAt(lines, i)) continue;
    // Its job lines, one of them not commented out: a block paused by hand
    // with a '#' on each line runs nothing either (a review).
    for (let j = i + 1; j < lines.length && isMycelCronJob(lines[j]); j++) {
      if (!lines[j].trimStart().startsWith("#")) return true;
    }
  }
  return false;
}
