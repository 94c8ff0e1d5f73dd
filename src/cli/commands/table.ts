/**
 * @module table
 * The command table: every command and group, loaded from every command
 * module (command_modules.ts). Help, the completion scripts and the man
 * page render it; `main.ts` parses against it only when the commands of the
 * first word alone cannot (help, mistakes).
 */

import type { CommandTable } from "../command_lookup.ts";
import { COMMAND_MODULES, GROUPS } from "./command_modules.ts";

/** Every mycel command. */
export const COMMANDS: CommandTable = {
  groups: GROUPS,
  commands: (await Promise.all(COMMAND_MODULES.map((m) => m.load()))).flat(),
};
