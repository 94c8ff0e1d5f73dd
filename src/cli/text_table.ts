/**
 * @module text_table
 * Aligned plain-text tables (as `tailscale status` and `docker ps` print
 * them) for `status`, `mesh list`, `mesh remove`'s candidates and `folder
 * list`. Pure.
 *
 * Every cell is one line: it passes the single-line text-safety check (so a
 * peer's name can neither move the cursor nor forge a row), then is cut with
 * "…" to its column's limit. Widths are terminal columns
 * (src/display_width.ts), so a CJK name (two columns a character) or one with
 * combining marks (none) lines up with the others. Columns are two spaces
 * apart; the last column is not padded, so lines carry no trailing blanks.
 */

import { safeText } from "../text_safety.ts";
import { cutToWidth, displayWidth } from "../display_width.ts";
import type { Span, Text, Tone } from "./output.ts";

/** One cell: text, or text with a tone. */
export type Cell = string | Span;

/** A column. */
export interface Column {
  /** Header, shown in upper case. */
  readonly header: string;
  /** Widest a cell may be (columns), cut with "…" beyond. */
  readonly max?: number;
  /** Right-align (numbers). */
  readonly right?: boolean;
}

function cellText(c: Cell): string {
  return safeText(typeof c === "string" ? c : c.text);
}

function cut(text: string, max: number | undefined): string {
  if (max === undefined || displayWidth(text) <= max) return text;
  return cutToWidth(text, Math.max(0, max - 1)) + "…";
}

/**
 * `text` padded with spaces to `width` terminal columns (as a table cell is):
 * for lines written one at a time, whose widths are known before the rows
 * (`mycel log`, which never holds the whole history).
 */
export function padToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** The table's lines (header first), ready for `out.line`. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
): Text[] {
  const cells = rows.map((r) =>
    columns.map((col, i): { text: string; tone?: Tone } => {
      const c = r[i] ?? "";
      return { text: cut(cellText(c), col.max), tone: typeof c === "string" ? undefined : c.tone };
    })
  );
  const widths = columns.map((col, i) =>
    Math.max(displayWidth(col.header), ...cells.map((r) => displayWidth(r[i].text)))
  );
  const line = (row: { text: string; tone?: Tone }[]): Text => {
    const parts: (string | Span)[] = [];
    row.forEach((c, i) => {
      const last = i === row.length - 1;
      const pad = " ".repeat(widths[i] - displayWidth(c.text));
      const text = columns[i].right ? pad + c.text : last ? c.text : c.text + pad;
      parts.push(c.tone ? { text, tone: c.tone } : text);
      if (!last) parts.push("  ");
    });
    return parts;
  };
  return [
    line(columns.map((c) => ({ text: c.header.toUpperCase(), tone: "bold" as const }))),
    ...cells.map(line),
  ];
}
