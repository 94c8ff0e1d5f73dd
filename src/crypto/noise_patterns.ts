/**
 * @module noise_patterns
 * Handshake patterns as data: each pattern of the spec-notation table is
 * parsed into token lists the first time it is asked for, and pattern
 * modifiers (`psk0`..`pskN`, joined with `+`) are applied on request (spec
 * §9.2). The handshake state walks these token lists;
 * nothing about a particular pattern is hard-coded anywhere else.
 */

import { NOISE_PATTERN_TEXT } from "./noise_pattern_table.ts";

/** One token of a message pattern (spec §7.1, §9). */
export type NoiseToken = "e" | "s" | "ee" | "es" | "se" | "ss" | "psk";

/** `->` is sent by the initiator, `<-` by the responder. */
export type NoiseDirection = "->" | "<-";

/** One message of a handshake: who sends it and what it carries. */
export interface NoiseMessagePattern {
  /** Who sends it. */
  readonly direction: NoiseDirection;
  /** Its tokens, in processing order. */
  readonly tokens: readonly NoiseToken[];
}

/** A handshake pattern with its modifiers applied. */
export interface NoisePattern {
  /** Full name with modifiers, e.g. `XXpsk3`. */
  readonly name: string;
  /** Pre-message keys the responder knows of the initiator (only `s` here). */
  readonly initiatorPreMessage: readonly NoiseToken[];
  /** Pre-message keys the initiator knows of the responder (only `s` here). */
  readonly responderPreMessage: readonly NoiseToken[];
  /** The handshake messages in order. */
  readonly messages: readonly NoiseMessagePattern[];
  /** One-way patterns (N, K, X) send one message and only initiator-to-responder traffic. */
  readonly oneWay: boolean;
  /** Number of `psk` tokens, i.e. how many pre-shared keys the handshake needs. */
  readonly pskCount: number;
}

const TOKENS = new Set<string>(["e", "s", "ee", "es", "se", "ss", "psk"]);

function parseLine(line: string, where: string): NoiseMessagePattern {
  const match = /^(->|<-)\s+(.+)$/.exec(line.trim());
  if (!match) throw new Error(`bad pattern line in ${where}: ${line}`);
  const tokens = match[2].split(",").map((t) => t.trim());
  for (const t of tokens) if (!TOKENS.has(t)) throw new Error(`bad token ${t} in ${where}`);
  return { direction: match[1] as NoiseDirection, tokens: tokens as NoiseToken[] };
}

/** Parse one block of the table: a `NAME:` header, pre-messages, `...`, messages. */
function parseBlock(block: string): NoisePattern {
  const [header, ...lines] = block.trim().split("\n");
  const name = header.trim().replace(/:$/, "");
  const dots = lines.findIndex((l) => l.trim() === "...");
  const pre = dots < 0 ? [] : lines.slice(0, dots).map((l) => parseLine(l, name));
  const messages = lines.slice(dots + 1).map((l) => parseLine(l, name));
  for (const p of pre) {
    // Only static keys are known in advance in the patterns we carry; an
    // ephemeral pre-message belongs to fallback patterns, which we do not support.
    if (p.tokens.some((t) => t !== "s")) throw new Error(`unsupported pre-message in ${name}`);
  }
  messages.forEach((m, i) => {
    if (m.direction !== (i % 2 === 0 ? "->" : "<-")) {
      throw new Error(`messages of ${name} do not alternate`);
    }
  });
  return {
    name,
    initiatorPreMessage: pre.filter((p) => p.direction === "->").flatMap((p) => p.tokens),
    responderPreMessage: pre.filter((p) => p.direction === "<-").flatMap((p) => p.tokens),
    messages,
    oneWay: name.length === 1,
    pskCount: 0,
  };
}

// The table's blocks by name, each parsed when first asked for: a process
// uses one or two patterns, and parsing all of them cost about 3 ms of its
// start-up on each side of every sync session.
const BLOCKS = new Map<string, string>(
  NOISE_PATTERN_TEXT.trim().split(/\n\s*\n/).map((b) => [b.trim().split(":", 1)[0].trim(), b]),
);
const PARSED = new Map<string, NoisePattern>();

function basePattern(name: string): NoisePattern | undefined {
  let p = PARSED.get(name);
  if (p === undefined) {
    const block = BLOCKS.get(name);
    if (block === undefined) return undefined;
    PARSED.set(name, p = parseBlock(block));
  }
  return p;
}

/** Names of every base pattern (without modifiers) this engine knows. */
export const NOISE_BASE_PATTERNS: readonly string[] = [...BLOCKS.keys()];

/**
 * Look up a pattern by its full name, e.g. `IK`, `XXpsk3`, `NNpsk0+psk2`.
 * Returns undefined for unknown base patterns or unsupported modifiers
 * (such as `fallback`) and for a `pskN` beyond the last message.
 */
export function noisePattern(fullName: string): NoisePattern | undefined {
  const match = /^([A-Z1]+)(.*)$/.exec(fullName);
  if (!match) return undefined;
  const base = basePattern(match[1]);
  if (!base) return undefined;
  if (match[2] === "") return base;

  const messages = base.messages.map((m) => ({ direction: m.direction, tokens: [...m.tokens] }));
  const seen = new Set<number>();
  for (const modifier of match[2].split("+")) {
    const psk = /^psk(0|[1-9][0-9]*)$/.exec(modifier);
    if (!psk) return undefined;
    const n = Number(psk[1]);
    if (seen.has(n) || n > messages.length) return undefined;
    seen.add(n);
    // psk0 goes first in the first message; pskN goes last in message N.
    if (n === 0) messages[0].tokens.unshift("psk");
    else messages[n - 1].tokens.push("psk");
  }
  return { ...base, name: fullName, messages, pskCount: seen.size };
}
