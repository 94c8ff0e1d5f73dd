/**
 * @module ifname
 * Interface names mycel accepts: what Linux allows (1–15 characters) narrowed
 * to letters, digits, `_`, `-` and `.`, so a name is also a safe file name
 * (wireguard-go's `/var/run/wireguard/<name>.sock`) and a safe argument.
 * Control characters get their own named error. Pure.
 */

import { MycelError } from "../errors.ts";
import { controlCharError, hasControl } from "./child_env.ts";

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Check an interface name; returns it. */
export function checkIfname(name: string): string {
  if (hasControl(name)) throw controlCharError("use interface name", "the name", name);
  if (!IFNAME.test(name) || name === "." || name === "..") {
    throw new MycelError(
      "bad_input",
      "use interface name",
      "use 1–15 letters, digits, `_`, `-` or `.`",
      { value: name, exit: 2 },
    );
  }
  return name;
}
