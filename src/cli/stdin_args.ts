/**
 * @module stdin_args
 * `-` for an argument that reads standard input (a pattern, a card, a
 * pairing code): read it whole, bounded, as UTF-8, without its last newline,
 * before the command runs. Declared per argument in the command table
 * (`ArgSpec.stdin`), so help can say so.
 */

import { usageError } from "../errors.ts";
import type { CommandSpec, ParsedInput } from "./command.ts";

/** Longest value an argument given as `-` may read from standard input. */
export const MAX_STDIN_ARG_BYTES = 1 << 20;

/**
 * Replace each `-` given for an argument that reads standard input (see
 * {@link ArgSpec.stdin}) by what standard input holds, without its final
 * newline. At most one argument may read it.
 */
export async function resolveStdinArgs(
  spec: CommandSpec,
  input: ParsedInput,
  readStdin: () => Promise<Uint8Array>,
): Promise<ParsedInput> {
  const from = spec.args.filter((a) => a.stdin && input.args[a.name] === "-");
  if (from.length === 0) return input;
  if (from.length > 1) {
    throw usageError(`run ${["mycel", ...spec.path].join(" ")}`, "only one argument can be -");
  }
  const bytes = await readStdin();
  if (bytes.length > MAX_STDIN_ARG_BYTES) {
    throw usageError(`read ${from[0].name}`, "standard input is too long", {
      value: `${bytes.length} bytes, at most ${MAX_STDIN_ARG_BYTES}`,
      // One value is read whole: so much is rather the wrong file piped in.
      hint: `- reads one ${from[0].name} value of at most 1 MiB: ` +
        "check what is piped in (`... | mycel " + spec.path.join(" ") + " -`).",
    });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw usageError(`read ${from[0].name}`, "standard input is not UTF-8 text");
  }
  text = text.replace(/\r?\n$/, "");
  if (text === "") {
    throw usageError(`read ${from[0].name}`, "standard input is empty", {
      hint: `Pipe it in, e.g. \`... | mycel ${spec.path.join(" ")} -\`.`,
    });
  }
  return { ...input, args: { ...input.args, [from[0].name]: text }, fromStdin: [from[0].name] };
}
