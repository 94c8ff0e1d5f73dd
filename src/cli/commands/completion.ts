/**
 * @module completion
 * `mycel completion bash|zsh|fish` prints a shell completion script and
 * `mycel man` the man page, both generated from the command table: the same
 * text as the checked-in `completions/` and `docs/mycel.1`, so an installed
 * binary can put them in place on its own (scripts/install.sh does).
 */

import { ExitCode } from "../../errors.ts";
import type { CommandSpec } from "../command.ts";
import { lazyImport } from "../../lazy_import.ts";

/** `mycel completion SHELL`. */
export const completionCommand: CommandSpec = {
  path: ["completion"],
  summary: "print the completion script for bash, zsh or fish",
  // One paragraph per shell: help wraps each paragraph (an indented line
  // used to run into the one before it).
  description: [
    "bash: source <(mycel completion bash), or save it as " +
    "~/.local/share/bash-completion/completions/mycel.",
    "zsh: save it as _mycel in a folder of $fpath (then run compinit).",
    "fish: mycel completion fish > ~/.config/fish/completions/mycel.fish",
  ].join("\n\n"),
  args: [{ name: "SHELL", help: "the shell", choices: ["bash", "zsh", "fish"] }],
  flags: [],
  examples: ["source <(mycel completion bash)"],
  globals: [],
  exits: [0, 1, 2],
  async run(ctx, input) {
    // The table imports this file: reach it lazily.
    const { COMMANDS } = await lazyImport<typeof import("./table.ts")>(
      new URL("./table.ts", import.meta.url),
    );
    const { bashCompletion, fishCompletion, zshCompletion } = await lazyImport<
      typeof import("../completions.ts")
    >(new URL("../completions.ts", import.meta.url));
    const shell = input.args.SHELL as "bash" | "zsh" | "fish";
    const render = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion }[shell];
    ctx.out.write(render(COMMANDS));
    return ExitCode.ok;
  },
};

/** `mycel man`. */
export const manCommand: CommandSpec = {
  path: ["man"],
  summary: "print the man page (roff), e.g. mycel man | man -l -",
  args: [],
  flags: [],
  globals: [],
  exits: [0, 1, 2],
  async run(ctx) {
    const { COMMANDS } = await lazyImport<typeof import("./table.ts")>(
      new URL("./table.ts", import.meta.url),
    );
    const { manPage } = await lazyImport<typeof import("../man.ts")>(
      new URL("../man.ts", import.meta.url),
    );
    ctx.out.write(manPage(COMMANDS));
    return ExitCode.ok;
  },
};
