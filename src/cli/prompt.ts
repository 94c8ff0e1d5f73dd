/**
 * @module prompt
 * Asking the person at the terminal a yes/no question. Only on a terminal:
 * without one the caller decides (a flag such as `--yes`, or a refusal with
 * a hint), never a silent "yes" to a question that matters.
 */

/** True when standard input is a terminal someone can answer at. */
export function canAsk(): boolean {
  try {
    return Deno.stdin.isTerminal();
  } catch {
    return false;
  }
}

/** Read one line from standard input (without its newline); "" at end of input. */
export async function readLine(signal?: AbortSignal): Promise<string> {
  const buf = new Uint8Array(1);
  const bytes: number[] = [];
  while (!signal?.aborted) {
    const n = await Deno.stdin.read(buf);
    if (n === null || buf[0] === 10) break;
    if (bytes.length < 4096) bytes.push(buf[0]);
  }
  return new TextDecoder().decode(new Uint8Array(bytes)).replace(/\r$/, "");
}

/** Ask `question` (shown with ` [y/N] `) on standard error; true only for y or yes. */
export async function confirm(question: string, signal?: AbortSignal): Promise<boolean> {
  await Deno.stderr.write(new TextEncoder().encode(`${question} [y/N] `));
  return /^\s*y(es)?\s*$/i.test(await readLine(signal));
}
