/**
 * @module plist
 * A small XML property list writer for launchd agents (pure). It writes the
 * subset launchd reads — dict, array, string, integer, true/false — and
 * refuses what a plist cannot hold (XML-invalid characters such as NUL or
 * other control characters, non-integer numbers), so a strange home path
 * fails at `service install` instead of leaving a plist launchd rejects.
 */

import { MycelError } from "../errors.ts";
import { quotedText } from "../text_safety.ts";

/** A value a plist can hold here. */
export type PlistValue = string | number | boolean | PlistValue[] | PlistDict;

/** A `<dict>`; keys keep their order. */
export interface PlistDict {
  [key: string]: PlistValue;
}

/** XML 1.0 Char: tab, newline, carriage return, space and up; no lone surrogates, U+FFFE/F. */
function xmlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
    if (c === 0xfffe || c === 0xffff) return false;
  }
  return s.isWellFormed();
}

function text(s: string): string {
  if (!xmlChars(s)) {
    throw new MycelError(
      "bad_plist_value",
      "write launchd agent",
      "a plist cannot hold control characters or broken Unicode",
      {
        value: quotedText(s),
      },
    );
  }
  // XML parsers turn a raw CR (and CRLF) into LF, and some (XML 1.1's rule,
  // which the npm parser follows) also NEL, LINE and PARAGRAPH SEPARATOR: a
  // character reference keeps each as it is.
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /[\r\u0085\u2028\u2029]/g,
    (c) => `&#${c.charCodeAt(0)};`,
  );
}

function value(v: PlistValue, indent: string): string[] {
  if (typeof v === "string") return [`${indent}<string>${text(v)}</string>`];
  if (typeof v === "boolean") return [`${indent}<${v}/>`];
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) {
      throw new MycelError("bad_plist_value", "write launchd agent", "only integers are written", {
        value: String(v),
      });
    }
    return [`${indent}<integer>${v}</integer>`];
  }
  const inner = `${indent}\t`;
  if (Array.isArray(v)) {
    return [`${indent}<array>`, ...v.flatMap((x) => value(x, inner)), `${indent}</array>`];
  }
  return [
    `${indent}<dict>`,
    ...Object.entries(v).flatMap(([k, x]) => [`${inner}<key>${text(k)}</key>`, ...value(x, inner)]),
    `${indent}</dict>`,
  ];
}

/** The XML plist document for `root`. */
export function renderPlist(root: PlistDict): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    ...value(root, ""),
    "</plist>",
    "",
  ].join("\n");
}
