/**
 * @module key_passphrase
 * Where a passphrase comes from, in this order:
 * 1. `MYCEL_PASSPHRASE_FILE`: a file holding it (one trailing newline is
 *    dropped). Like ssh with a private key, the file is refused unless it is
 *    a regular file owned by this user (or root; as root, also the user whose
 *    home this is) and unreadable by group and others (mode 0600 or 0400): a
 *    passphrase others can read protects nothing. Bounded to 4 KiB
 *    (key_passphrase_file.ts).
 * 2. `MYCEL_PASSPHRASE`: the variable itself (kept for scripts; a file is
 *    better: the environment of a process is visible to its user's other
 *    processes and is inherited by children — mycel passes it to none).
 * 3. A prompt on the terminal (no echo) when standard input is one.
 * The passphrase itself never reaches argv, logs or error text.
 */

import { MycelError } from "../errors.ts";
import { currentCaller } from "./home_guard.ts";
import { type Prompter, terminalPrompter } from "./key_prompt.ts";
import { readPassphraseFile } from "./key_passphrase_file.ts";

/** Where a passphrase came from. */
export type PassphraseSource = "MYCEL_PASSPHRASE_FILE" | "MYCEL_PASSPHRASE" | "prompt";

/** A passphrase and its source. */
export interface Passphrase {
  /** The secret. */
  value: string;
  /** Where it came from (for hints). */
  source: PassphraseSource;
}

/** Which prompter to use: a given one, the terminal's (default), or none (`null`). */
export function prompterOf(prompt: Prompter | null | undefined): Prompter | undefined {
  return prompt === null ? undefined : prompt ?? terminalPrompter();
}

export { readPassphraseFile } from "./key_passphrase_file.ts";

/** The passphrase from MYCEL_PASSPHRASE_FILE or MYCEL_PASSPHRASE; no prompt. */
export async function passphraseFromEnv(
  env: (name: string) => string | undefined,
): Promise<Passphrase | undefined> {
  const file = env("MYCEL_PASSPHRASE_FILE");
  if (file) {
    const owner = currentCaller(env).delegatedBy;
    return { value: await readPassphraseFile(file, owner), source: "MYCEL_PASSPHRASE_FILE" };
  }
  const value = env("MYCEL_PASSPHRASE");
  if (value) return { value, source: "MYCEL_PASSPHRASE" };
  return undefined;
}

/**
 * Ask for a new passphrase twice (they must match; three tries). Resolves
 * with undefined when the first answer is empty (no passphrase wanted).
 */
export async function askNewPassphrase(
  prompt: Prompter,
  question: string,
): Promise<string | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const first = await prompt(question);
    if (!first) return undefined;
    const again = await prompt("Same passphrase again: ");
    if (again === first) return first;
    Deno.stderr.writeSync(new TextEncoder().encode("The two passphrases differ; again.\n"));
  }
  throw new MycelError("passphrase_mismatch", "set passphrase", "the two entries differed 3 times");
}

/**
 * Try `open` with the passphrase from the environment, else with up to three
 * answers at the prompt. `needed` is thrown when there is no source at all.
 */
export async function withPassphrase<T>(
  env: (name: string) => string | undefined,
  prompt: Prompter | undefined,
  question: string,
  open: (passphrase: string) => Promise<T>,
  needed: () => MycelError,
): Promise<T> {
  const fromEnv = await passphraseFromEnv(env);
  if (fromEnv) return await open(fromEnv.value);
  if (prompt === undefined) throw needed();
  for (let attempt = 1;; attempt++) {
    const answer = await prompt(question);
    if (!answer) throw needed();
    try {
      return await open(answer);
    } catch (e) {
      if (!(e instanceof MycelError && e.code === "bad_passphrase") || attempt >= 3) throw e;
      Deno.stderr.writeSync(new TextEncoder().encode("Wrong passphrase; try again.\n"));
    }
  }
}
