/**
 * @module listen_notes
 * What `sync serve --listen` says about the endpoints peers are told when it
 * starts (src/mesh/self_endpoints.ts `wantedEndpoints`): a pinned endpoint
 * at an address it listens on follows its port, and is said to; a pinned
 * one it can't vouch for (a DNS name, an address not this machine's) at
 * another port is warned about, with the command that fixes it. Before, a
 * serve restarted on another port said nothing, and the other devices
 * kept dialling the old port and never found it.
 */

import { formatEndpoint, parseEndpoint } from "../log/endpoint.ts";
import { safeText } from "../text_safety.ts";

/** What the listener's refresh found (self_record.ts `SelfChange`). */
export interface ListenRefresh {
  followed: readonly { before: string; after: string }[];
  elsewhere: readonly string[];
  pinned: readonly string[];
  kept?: readonly string[];
}

/** The lines to print for a listener on `port`. */
export function listenNotes(r: ListenRefresh, port: number): string[] {
  if (r.kept !== undefined && r.kept.length > 0) {
    return [
      `Still advertising ${r.kept.join(", ")}: another \`mycel sync serve\` of this home ` +
      `answers there, so peers are not told about port ${port}.`,
      `hint: stop the other serve first to advertise this port instead.`,
    ].map((l) => safeText(l));
  }
  const lines = r.followed.map(({ before, after }) =>
    `Advertising ${after} instead of ${before}: this device listens there now.`
  );
  if (r.elsewhere.length > 0) {
    const fixed = r.pinned.map((e) => formatEndpoint({ host: parseEndpoint(e).host, port }));
    lines.push(
      `warning: peers are told to reach this device at ${r.elsewhere.join(", ")}, ` +
        `but it listens on port ${port}: they will not find it there unless that is a port ` +
        `forward to ${port}.`,
      `hint: to advertise this port, run \`mycel mesh set-endpoint ${
        [...new Set(fixed)].join(" ")
      }\` (or serve on the pinned port).`,
    );
  }
  return lines.map((l) => safeText(l));
}
