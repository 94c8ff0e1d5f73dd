/**
 * @module cron_schedule
 * The crontab schedule of a sync round every `--interval`. cron wakes once
 * a minute at most, so an interval under a minute is several lines a
 * minute, each after a `sleep` (30 s: two lines, the second after 30 s); a
 * longer one is a step in minutes (`*\/5`) or hours (`0 *\/2`). Only
 * intervals cron can keep evenly are taken: seconds dividing a minute,
 * whole minutes dividing an hour, whole hours dividing a day. Before,
 * `--cron` printed a round every 30 s whatever `--interval` said.
 */

import { usageError } from "../errors.ts";

/** One crontab line's schedule: its five fields and a sleep before the command. */
export interface CronSlot {
  readonly fields: string;
  readonly sleepSeconds: number;
}

const DIVISORS_60 = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];
const DIVISORS_24 = [1, 2, 3, 4, 6, 8, 12, 24];

/** The lines of a round every `seconds`, or a usage error naming the nearest it can keep. */
export function cronSchedule(seconds: number): CronSlot[] {
  if (seconds < 60 && DIVISORS_60.includes(seconds)) {
    return Array.from({ length: 60 / seconds }, (_, k) => ({
      fields: "* * * * *",
      sleepSeconds: k * seconds,
    }));
  }
  const minutes = seconds / 60;
  if (seconds < 3600 && DIVISORS_60.includes(minutes)) {
    return [{ fields: minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`, sleepSeconds: 0 }];
  }
  const hours = seconds / 3600;
  if (DIVISORS_24.includes(hours)) {
    return [{ fields: hours === 1 ? "0 * * * *" : `0 */${hours} * * *`, sleepSeconds: 0 }];
  }
  throw usageError(
    "use --interval with --cron",
    "cron keeps only intervals of seconds dividing a minute, whole minutes dividing an hour, " +
      "or whole hours dividing a day",
    { value: `${seconds}s`, hint: `The nearest it keeps: ${nearest(seconds)}.` },
  );
}

/** The kept interval nearest `seconds`, as --interval takes it. */
function nearest(seconds: number): string {
  const kept = [
    ...DIVISORS_60.map((s) => [s, `${s}s`] as const),
    ...DIVISORS_60.slice(1, -1).map((m) => [m * 60, `${m}m`] as const),
    ...DIVISORS_24.map((h) => [h * 3600, `${h}h`] as const),
  ];
  let best = kept[0];
  for (const k of kept) if (Math.abs(k[0] - seconds) < Math.abs(best[0] - seconds)) best = k;
  return best[1];
}
