/**
 * @module json_types
 * Shapes of `--json` output. Outside scripts rely on these, so they change
 * only by adding fields. Times are ISO 8601 strings or null. Keys are
 * snake_case; the folder commands' shapes are in folder_json.ts. One break
 * was made before any release (issue 13): the folder commands' and
 * `repair`'s camelCase keys became snake_case like the rest.
 */

/** `keys where --json` (also `keys` in `status --json` and `init --json`). */
export interface KeysJson {
  /** "secret-service", "keychain" or "file". */
  store: string;
  /** File store: sealed by a passphrase; null for keyrings. */
  sealed: boolean | null;
  /** Program behind the keyring, when known (e.g. "gnome-keyring"). */
  provider: string | null;
  /** The home's key file (the keys, or a stub naming the keyring item). */
  path: string;
  /** The one-line description status and doctor print. */
  description: string;
  /** systemd credential `service install` made for the units, if any. */
  credential: string | null;
  /** True when this process got the keys from systemd ($CREDENTIALS_DIRECTORY). */
  from_credential: boolean;
}

/** One peer in `status --json`. */
export interface PeerJson {
  /** Device id. */
  id: string;
  /** Device name. */
  name: string;
  /** Sync endpoints it advertises. */
  endpoints: string[];
  /** Last time we heard from it. */
  last_seen: string | null;
  /** Last completed sync round with it. */
  last_sync: string | null;
  /** Last error talking to it, or null. */
  last_error: string | null;
  /** Entries sent to it in total. */
  sent: number;
  /** Entries received from it in total. */
  received: number;
  /** Entries of any author it lacked at the last sync (by our heads). */
  behind: number;
  /** How the last sync reached it: "direct", "mesh", "discovered", "tcp", "stdio" or "pairing"; null before any. */
  route: string | null;
  /**
   * How its changes reach this device now: "direct" (the last session with
   * it is at least as recent as anything relayed), "relayed" (they came
   * last through another device, `relayed_via`), or null (nothing yet).
   */
  path: "direct" | "relayed" | null;
  /** The device its changes last came through, when relayed: its id and name. */
  relayed_via: { id: string; name: string } | null;
  /** Its mesh addresses. */
  addresses: { ipv4: string; ipv6: string };
  /** The WireGuard view of it (`wg show dump`), when the interface is up and readable. */
  wireguard: WireguardPeerJson | null;
  /** How far its clock is from ours beyond the allowed drift (ms; positive: ahead), or null. */
  clock_skew_ms: number | null;
  /** A WireGuard-only device (`mesh export-wg`): never synced with, never relayed. */
  wireguard_only: boolean;
}

/** WireGuard's view of one peer. */
export interface WireguardPeerJson {
  /** Last endpoint WireGuard saw, or null. */
  endpoint: string | null;
  /** Time of the latest handshake, or null for never. */
  latest_handshake: string | null;
  /** Seconds since the latest handshake, or null. */
  handshake_age_s: number | null;
  /** Bytes received from it. */
  rx_bytes: number;
  /** Bytes sent to it. */
  tx_bytes: number;
}

/** `status --json`. */
export interface StatusJson {
  /** This device. */
  device: { id: string; name: string; ipv4: string; ipv6: string; endpoints: string[] };
  /**
   * Its mesh; `interface` is the WireGuard interface when `mesh up` manages
   * one and it exists; `gone` names it when `mesh up` made it and it is gone;
   * `unanswered` says what `wg` was asked when it hung past its deadline
   * (killed; nothing is known of the tunnels then).
   */
  mesh: {
    id: string;
    devices: number;
    revoked: number;
    interface: string | null;
    gone: string | null;
    unanswered: string | null;
  };
  /** Home folder. */
  home: string;
  /** Sizes of the replicated state. */
  counts: { config: number; preferences: number; apps: number; patterns: number };
  /** Log summary: entries stored, per-author heads. */
  log: { entries: number; heads: Record<string, { seq: number; hash: string }> };
  /** Hash of the replicated state; equal on two devices exactly when their state is. */
  state_digest: string;
  /** Every other admitted device. */
  peers: PeerJson[];
  /** Forks noticed (two entries for one author and seq). */
  forks: { author: string; seq: number; kept: string; other: string; at: string }[];
  /** Peers whose clocks differ from ours beyond the allowed drift (positive: ahead of ours). */
  clock_skew: { device: string; skew_ms: number; at: string }[];
  /** When most peers disagree with our clock the same way: ours is off. */
  clock: {
    verdict: "ahead" | "behind";
    by_ms: number;
    /** When the newest of the measurements it rests on was taken (a session). */
    measured_at: string;
  } | null;
  /**
   * How far this device's last stamp runs ahead of its clock, beyond the
   * allowed drift (a command ran with the clock set ahead: stamps never go
   * back, so its writes win ties with concurrent writes until time catches
   * up); null when it does not.
   */
  stamps_ahead_ms: number | null;
  /**
   * Each folder synced here that is stopped now (its marker gone: a disk not
   * mounted, a moved folder; or a round stopped it): id, path, why, and what
   * to do (null when nothing helps). Empty when none is.
   */
  stopped_folders: { id: string; path: string; stopped: string; hint: string | null }[];
  /** Where the private keys are kept (`keys where --json`); null if the key file is unreadable. */
  keys?: KeysJson | null;
  /** How this device knows it was removed from the mesh; null when it was not (always present). */
  removed?: RemovedJson | null;
  /** Removed devices that tried to sync with this device since (see TriedJson), by id; empty when none. */
  removed_tries: (TriedJson & { device: string; name: string })[];
}

/**
 * How this device knows it was removed from its mesh: `removed` in `status
 * --json` and on this device's row of `mesh list --json`, what the red note
 * of their text says.
 */
export interface RemovedJson {
  /** The sentence the text output prints. */
  message: string;
  /**
   * "state": this device's own state holds its removal; "peer": peers refuse
   * it as removed (a removed device is refused before it can fetch the removal).
   */
  source: "state" | "peer";
  /** Name of the device that removed it, when known. */
  by: string | null;
  /** When it was removed, when known. */
  at: string | null;
}

/** Who did something to a device, and when (`mesh list --json`). */
export interface MemberEventJson {
  /** The device that did it: its id and name. */
  by: string;
  by_name: string;
  /** When (its stamp). */
  at: string | null;
}

/** One device in `mesh list --json` (every device ever admitted). */
export interface MeshRowJson {
  /** Device id. */
  id: string;
  /** Device name. */
  name: string;
  /** True for this device. */
  self: boolean;
  /** Its mesh IPv4 address. */
  ipv4: string;
  /** Sync endpoints it advertises. */
  endpoints: string[];
  /** Who admitted it and when; null for the device that made the mesh. */
  admitted: MemberEventJson | null;
  /**
   * True while members' admissions of it disagree on its keys and it has not
   * announced its own: no key is taken for it (trust.md, "Admission").
   */
  keys_disputed: boolean;
  /** Its removal in this device's state (`cut`: its last entry kept; `retired`: by `mesh retire`). */
  revoked: (MemberEventJson & { cut: number; retired: boolean }) | null;
  /** Last time it was heard from (now for this device). */
  last_seen: string | null;
  /**
   * Its entries kept but not folded (`reason`): "past_cut" (past its cut: the
   * remover did not hold them when it removed it; they may be older than the removal), "fork" (the other branch of a fork), "waiting" (for an admission).
   */
  set_aside: { reason: string; entries: number; seqs: [number, number] }[];
  /**
   * On this device's row: how it knows it was removed (as in `status --json`),
   * also when only its peers' refusals say so and `revoked` is null; null
   * otherwise, and on every other row.
   */
  removed: RemovedJson | null;
  /**
   * On a removed device's row: its attempts to sync with this device since,
   * as this device counted them (local; null when none). See TriedJson.
   */
  tried: TriedJson | null;
}

/**
 * A removed device's attempts to sync with this device: `count` (a lower
 * bound: `sync serve --stdio` counts at most one a minute of all removed devices), when the last
 * came and from where. Each proved the device's key, unless it replays a
 * message of the device captured on the network that the replay memory
 * lacks (src/sync/removed_tries.ts).
 */
export interface TriedJson {
  count: number;
  last_at: string;
  from: string;
}

export interface LogEntryJson {
  /** Author's device id. */
  device: string;
  /** Author's name, if known. */
  name: string;
  /** Sequence number in the author's log. */
  seq: number;
  /** HLC wall time as ISO 8601. */
  time: string;
  /** HLC as [wall, counter]. */
  hlc: [number, number];
  /** Entry hash (hex). */
  hash: string;
  /**
   * The ops, in a readable form: `type` and the op's fields, with snake_case
   * keys at any depth (`up_to`, `noise_key`, `need_bytes`), except inside a
   * `value` (a config value or pattern, as written).
   */
  ops: Record<string, unknown>[];
  /**
   * With `--aside` only: null for an entry of its author's chain, else why it
   * is kept aside and not applied ("past_cut": past the cut of its author's
   * removal; "fork": the other branch of a fork; "waiting": for earlier
   * entries or its author's admission).
   */
  set_aside?: "past_cut" | "fork" | "waiting" | null;
}

/** `repair --json`: what the repair found and kept. */
export interface RepairJson {
  /** Problems found (empty: the home was intact). */
  damage: string[];
  /** Entries kept in chains, and kept aside waiting for what a gap lost. */
  kept: number;
  waiting: number;
  /** Entries that could not be read back or failed their checks. */
  lost: number;
  /** Where the damaged database was kept, when it was replaced. */
  set_aside: string | null;
  /** This device's own log lost entries: its writes wait until a sync brings it back to this seq. */
  recover_own_to: number | null;
}

/** ISO time for a ms timestamp, or null for 0/absent. */
export function isoTime(ms: number | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}

/** `mesh export-wg [DEVICE] --json`. */
export interface ExportWgJson {
  /** Device id of the device the config is for. */
  device: string;
  /** Its name. */
  name: string;
  /** Its mesh addresses (ipv4 "" when it has none). */
  addresses: { ipv4: string; ipv6: string };
  /** True when this run admitted it (a new name). */
  admitted: boolean;
  /** This device's WireGuard interface that took it as a peer in this run, else null. */
  interface: string | null;
  /** The wg-quick config; a WireGuard-only device's holds its private key, as the text does. */
  config: string;
}
