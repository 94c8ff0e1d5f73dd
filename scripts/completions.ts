/**
 * @module completions
 * `deno task completions`: regenerate completions/ from the command table.
 */

import { COMMANDS } from "../src/cli/commands/table.ts";
import { allCompletions } from "../src/cli/completions.ts";

const dir = new URL("../completions/", import.meta.url);
for (const [name, text] of Object.entries(allCompletions(COMMANDS))) {
  await Deno.writeTextFile(new URL(name, dir), text);
  console.log(`wrote completions/${name}`);
}
