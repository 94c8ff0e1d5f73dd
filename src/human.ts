/**
 * @module human
 * How mycel writes counts and times for people, one helper each, used by
 * every command and by the sync layer's progress and refusal lines: `plural` ("1 entry", "2 entries"), `localTime` for absolute
 * times (local time with its UTC offset, so a time copied from one machine
 * means the same on another), and `ago` for relative times in tables ("3m
 * ago"). `--json` output keeps ISO 8601 UTC instead (json_types.ts). Pure.
 */

/** `n` and the noun in the right number: `plural(1, "entry", "entries")` → "1 entry". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** The UTC offset of local time at `ms`, e.g. "+02:00" (or "+00:00"). */
export function utcOffset(ms: number): string {
  const minutes = -new Date(ms).getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/**
 * An absolute time: "2025-05-01 14:03:22 +02:00" (local time and its
 * offset). Given `now`, a time on the same local day leaves the date out:
 * "14:03:22 +02:00".
 */
export function localTime(ms: number, now?: number): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const today = now !== undefined && new Date(now).toDateString() === d.toDateString();
  return `${today ? "" : `${date} `}${time} ${utcOffset(ms)}`;
}

/** A length of time in its largest sensible unit: "45s", "3m", "5h", "2d", "285616y". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  if (s < 2 * 31_536_000) return `${Math.round(s / 86400)}d`;
  return `${Math.round(s / 31_536_000)}y`;
}

/** A time relative to `now`: "3m ago", "in 25s", "just now", or "never" when absent. */
export function ago(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined || ms === 0) return "never";
  const diff = now - ms;
  if (Math.abs(diff) < 1000) return "just now";
  return diff > 0 ? `${duration(diff)} ago` : `in ${duration(-diff)}`;
}

/** Milliseconds of an ISO time string, or null. */
export function msOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A byte count for people: "512 B", "3.4 KiB", "1.0 GiB". */
export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[i]}`;
}
