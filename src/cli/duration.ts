/**
 * @module duration
 * Durations as people type them (`5m`, `90s`, `1m30s`, plain seconds), for
 * `pair --ttl` and `service install --interval`.
 */

import { usageError } from "../errors.ts";

/** Parse durations like `5m`, `90s`, `1m30s` or plain seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  const plain = /^\d+$/.test(text.trim());
  const ms = plain
    ? Number(text) * 1000
    : m && text.trim() !== ""
    ? ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000
    : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 24 * 3600 * 1000) {
    throw usageError(`use ${flag}`, "give a duration such as 5m, 90s or 1m30s (at most 24h)", {
      value: text,
    });
  }
  return ms;
}
