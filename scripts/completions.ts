/**
 * @module completions
 * `deno task completions`: regenerate what the command table generates and
 * the repository keeps: the shell completions in completions/ and the man
 * page docs/mycel.1.
 */

import { COMMANDS } from "../src/cli/commands/table.ts";
import { allCompletions } from "../src/cli/completions.ts";
import { manPage } from "../src/cli/man.ts";

const root = new URL("../", import.meta.url);
for (const [name, text] of Object.entries(allCompletions(COMMANDS))) {
  await Deno.writeTextFile(new URL(`completions/${name}`, root), text);
  console.log(`wrote completions/${name}`);
}
await Deno.writeTextFile(new URL("docs/mycel.1", root), manPage(COMMANDS));
console.log("wrote docs/mycel.1");
