/**
 * @module completions
 * `deno task completions`: regenerate what the command table generates and
 * the repository keeps: the shell completions in completions/ and the man
 * page docs/mycel.1; and docs/error_codes.md, from src/error_codes.ts.
 */

import { COMMANDS } from "../src/cli/commands/table.ts";
import { allCompletions } from "../src/cli/completions.ts";
import { manPage } from "../src/cli/man.ts";
import { errorCodesMarkdown } from "../src/cli/error_codes_doc.ts";

const root = new URL("../", import.meta.url);
for (const [name, text] of Object.entries(allCompletions(COMMANDS))) {
  await Deno.writeTextFile(new URL(`completions/${name}`, root), text);
  console.log(`wrote completions/${name}`);
}
await Deno.writeTextFile(new URL("docs/mycel.1", root), manPage(COMMANDS));
console.log("wrote docs/mycel.1");
await Deno.writeTextFile(new URL("docs/error_codes.md", root), errorCodesMarkdown());
console.log("wrote docs/error_codes.md");
