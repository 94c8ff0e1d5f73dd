/**
 * @module error_codes
 * Every `code` a {@link MycelError} can carry, each with what it means. The
 * code is what `--json` prints as `{"error": {"code"}}` and what `sync now
 * --json` rows carry: scripts rely on it, so the set is closed here and
 * `MycelError` takes only an {@link ErrorCode}. A new failure either reuses a
 * code below with the same meaning or adds one (snake_case, with its line).
 * Codes a peer sends come back as `peer_<code>` ({@link peerCode}); a pairing
 * refusal as `pairing_<refusal>` ({@link pairingRefusalCode}). Pure data: no
 * Deno.* here.
 */

/**
 * Codes raised on this device, each with its one-line meaning, in groups
 * (docs/error_codes.md and the man page show them so). A code is in one group.
 */
export const ERROR_CODE_GROUPS = {
  "Arguments, input and the command line": {
    usage: "the command line is wrong: unknown command or flag, or a bad argument",
    bad_input: "a value given (flag, file, environment, peer-written field) is not acceptable",
    bad_address: "an IP address, endpoint or CIDR does not parse",
    bad_endpoint: "a peer endpoint (host:port) is not usable",
    bad_path:
      "a path given or received is not allowed (absolute, `..`, too long, control characters)",
    bad_version: "a `--version` given to `folder restore` names no kept version",
    control_char: "a value headed for a child process's environment holds a control character",
    needs_confirmation: "the action needs --yes (or an answer at the prompt)",
    cancelled: "the person said no or pressed Ctrl-D at a prompt",
    ambiguous_device: "a device name or id prefix matches more than one device",
    no_such_device: "no device has this name or id",
    no_such_key: "no config or preference has this key",
    no_such_pattern: "no pattern has this id",
    unknown_folder: "no folder with this id or name is shared in the mesh",
  },
  "The home folder and its database": {
    no_home:
      "no home folder can be found (MYCEL_HOME, XDG_DATA_HOME or HOME unset or not absolute)",
    not_initialized: "the mycel home has not been set up (`mycel init`)",
    already_initialized: "the mycel home is already set up",
    bad_home: "the mycel home path is not a folder or cannot be used",
    home_not_folder: "the home folder given is not a folder",
    foreign_home: "the mycel home belongs to another user",
    unsafe_home: "the mycel home (or a folder above it) is a symbolic link or writable by others",
    home_version: "the home was written by another (newer) mycel format",
    incomplete_home: "this device has no record in its home yet",
    database_missing: "the home holds keys but its database mycel.db is missing or empty",
    corrupt_home: "a stored row of the home's database is damaged",
    unrepairable: "`mycel repair` cannot recover who this device is",
    recovering: "this device's log is being recovered after damage; writes wait",
    read_only: "the home (or its disk) is read-only",
    disk_full: "the disk holding the home or a folder is full",
    busy: "another mycel holds the home's lock, or a listener serves the caller's sessions already",
    cannot_open: "the home's database cannot be opened (its folder does not exist)",
    cannot_write: "a file (exported keys, config) cannot be written",
    storage_error: "the database failed in a way with no better name (the message says how)",
    permission_denied: "the operating system refused access (a file, a port, a key store)",
    io_error: "a read or write on a file or connection failed for a reason with no better name",
    internal: "a bug: a failure mycel did not expect (run with MYCEL_DEBUG=1 and report it)",
  },
  "Device keys and key stores": {
    bad_key: "a key value (public key, WireGuard key, secret) has the wrong size or form",
    bad_keys: "this device's stored key material is unreadable or damaged",
    bad_key_export: "an exported key file does not parse",
    keys_not_found: "the key store holds no keys for this home",
    keys_elsewhere: "this home's keys are kept in another key store",
    keys_differ: "the keys being imported differ from the home's",
    keys_unreachable: "a service cannot read the device keys it needs",
    wrong_device: "the keys belong to another device than this home's",
    keyring_locked: "the keyring holding this device's keys is locked",
    keyring_unavailable: "no usable keyring or Secret Service is reachable",
    credential_failed: "systemd-creds could not encrypt the keys for the units",
    passphrase_needed: "a passphrase is needed (none given or it is empty)",
    passphrase_mismatch: "the passphrase entered twice differed",
    passphrase_file: "the passphrase file cannot be read or is not private",
    bad_passphrase: "the passphrase is wrong",
  },
  "Log, entries and state": {
    bad_encoding: "a value cannot be encoded (CBOR) or decoded as stored",
    bad_entry: "a log entry is malformed",
    entry_too_large: "a change is too large for one log entry",
    foreign_update: "an entry changes another device's record",
    bad_device_id: "a device id does not parse",
    bad_card: "a device card does not parse or verify",
    bad_config_file: "a config file to import does not parse",
    bad_checkpoint: "a checkpoint is malformed, too large, or its signature does not verify",
    checkpoint_conflict: "a checkpoint disagrees with an entry this device holds (a fork)",
    checkpoint_refused: "a checkpoint is from another mesh or signer, or not a member's",
    checkpoint_too_large: "the state is larger than a checkpoint may be",
    checkpoint_changed: "the state changed while it was being sent in parts",
    checkpoint_parts_unsupported: "the peer's state comes in parts and this path cannot take them",
    mesh_too_many_members:
      "the mesh has more devices (admitted or removed) than one checkpoint holds: none can pair",
    state_past_removal: "this device's state holds changes every other device refuses",
  },
  "Mesh membership": {
    removed:
      "this device was removed from the mesh: peers refuse it (a `sync now --json` row's code too) and it syncs no more",
    not_accepted: "admission: the generic refusal of a non-member (a `sync now --json` row's code)",
    revoked: "that device (another one, named) was removed from the mesh for good",
    mesh_mismatch: "the device belongs to another mesh that has other members",
    no_peers: "this device has no peers yet",
  },
  "Network, transport and sessions": {
    unreachable: "there is no route to that address",
    connection_refused: "nothing listens at that address",
    endpoint_unknown: "a peer has no known endpoint and was not found on the local link",
    connection_closed: "the peer hung up before it was done",
    dns: "a host name cannot be resolved",
    timeout: "a connect, a read or a whole session took too long",
    address_in_use: "the TCP port is already in use",
    port_in_use: "the UDP port is already in use",
    peer_busy: "the peer serves as many connections as it takes now",
    peer_error: "the peer stopped with a code this mycel does not know (the message holds it)",
    too_much_data: "a peer sent more than it may",
    frame_too_large: "a frame is over the transport's limit",
    message_too_large: "a sync message is over 4 MiB (declared or actual)",
    bad_message: "a sync message has a field of the wrong type, size or count",
    version_mismatch: "the peer speaks another sync protocol version",
    entries_refused:
      "this device refused entries a peer sent (bad signature, a gap, not a member's)",
    entries_refused_by_peer: "the peer refused entries this device sent it",
    protocol_violation: "a peer's message is out of order, miscounted, or of a hostile size",
    transport_state: "a connection was used in a way its state does not allow (a bug)",
    sync_interrupted: "Ctrl-C or SIGTERM stopped the command",
    bad_discovery: "a discovery packet or its keys are malformed",
  },
  "Noise and CPace": {
    noise_bad_key: "a Noise key has the wrong size",
    noise_config: "the Noise handshake options do not fit the protocol",
    noise_protocol: "the Noise protocol name is unknown",
    noise_state: "a Noise handshake step came out of order",
    noise_decrypt: "a Noise message failed authentication",
    noise_nonce_limit: "a Noise key reached its nonce limit",
    noise_too_large: "a Noise message is over 65535 bytes",
    noise_truncated: "a Noise message is too short for its handshake step",
    cpace_finished: "a CPace run was used after it finished",
    cpace_invalid_message: "the other device's CPace key share has the wrong length",
    cpace_invalid_point: "the other device sent an invalid CPace key share",
    cpace_invalid_role: "an unknown CPace role (a bug)",
    cpace_invalid_scalar: "the CPace secret scalar is invalid",
    cpace_reflected: "the other device echoed this device's CPace key share",
  },
  "Pairing": {
    pairing_code_empty: "the pairing code is empty",
    pairing_code_character: "the pairing code holds a character codes never have",
    pairing_code_length: "the pairing code has the wrong length",
    pairing_code_typo: "the pairing code's check character does not match (a typo)",
    pairing_code_version: "the pairing code is of a version this mycel does not read",
    pairing_code_port: "the port in the pairing code is not 1..65535",
    pairing_code_secret: "the pairing code's secret has the wrong length",
    pairing_code_host: "no address can be put in the pairing code",
    pairing_failed: "pairing failed for a reason with no better name",
    pairing_timeout: "the other device did not answer in time",
    pairing_unreachable: "nobody is waiting for this pairing code",
    pairing_mitm: "the other side does not know the code (a wrong or intercepted code)",
    pairing_stopped: "the pairing was stopped on this device",
    pairing_unconfirmed: "the device was added but did not confirm it took the state",
    pairing_cancelled: "the code was cancelled (too many wrong attempts, or Ctrl-C)",
    pairing_wrong_code: "the inviting device refused a wrong code",
    pairing_expired: "the pairing code expired",
    pairing_used: "the pairing code already paired a device",
    pairing_declined: "the verification string was not confirmed on one side",
    pairing_bad_proof: "the joining device could not prove its identity",
    pairing_already_paired: "the joining device belongs to another mesh with other devices",
    pairing_revoked:
      "the joining device's key was removed from the mesh (it retries with a new key)",
  },
  "WireGuard mesh and the system": {
    needs_root: "configuring network interfaces needs root",
    missing_tool: "a tool mycel runs (ip, wg, ...) is not installed",
    command_failed: "a tool mycel ran failed or printed what it should not",
    tool_timeout:
      "a tool mycel runs (ip, wg, systemctl, crontab, ...) did not answer in time and was stopped",
    mesh_busy: "another mycel is changing the mesh interface",
    mesh_full: "the mesh address range is full",
    mesh_up_elsewhere: "the mesh is already up in another home or namespace",
    half_made: "undoing a failed `mesh up` left something behind",
    route_taken: "another route to a mesh address exists",
    bad_route_table: "`ip route` output does not parse",
    bad_wg_config: "a WireGuard config does not parse",
    bad_wg_dump: "`wg show dump` output does not parse",
    no_endpoints: "no device has a known WireGuard endpoint to reach",
    not_here: "only that device holds its private key",
    bad_qr_payload: "a value is too large for a QR code",
    unsafe_runtime_dir: "the runtime folder is not private to this user",
    bad_plist_value: "a launchd plist cannot hold that value",
  },
  "Synced folders and files": {
    bad_folder: "a synced folder's path is not usable (missing, a file, inside another)",
    already_shared: "the folder (or a folder around it) is already shared",
    already_joined: "this device already syncs that folder",
    folder_stopped: "the folder stopped syncing (its marker is missing or unreadable)",
    bad_ignore_file: "a folder's ignore file does not parse",
    deletions_held: "a scan would delete more than it may without confirmation",
    not_in_folder: "the path is not inside a synced folder",
    not_synced: "mycel does not sync that file",
    folder_unreachable: "the folder cannot be reached to restore into",
    not_written: "a file could not be written into its folder",
    version_unreadable: "a kept old version cannot be read",
    nothing_to_restore:
      "`folder restore` has nothing to put back: no kept version of the file, or every file under the folder is on disk",
    version_changed: "the file a dropped old version's content was at holds other content now",
    versions_not_listed: "a file's old versions cannot be listed",
    unsafe_path: "a path in a folder moved or became a symbolic link meanwhile",
    name_refused: "the folder's file system cannot hold the name",
    symlinks_unsupported: "the folder's file system cannot hold symbolic links",
    bad_symlink: "a symbolic link's target is not allowed",
    bad_manifest: "a file manifest is malformed",
    manifest_missing: "a manifest blob is missing",
    bad_file_version: "a file version record is malformed",
    bad_chunk_params: "chunk size parameters are out of range",
    bad_gear_secret: "the chunking seed's secret is too short",
    chunk_missing: "a chunk of a file is missing",
    chunk_corrupt: "a chunk does not match its id",
    chunk_length_misstated: "a file version misstates a chunk's length",
    file_too_large: "a file has too many chunks",
    wrong_size: "an assembled file does not have the size its version says",
    write_past_size: "a write goes past the file's size",
  },
} as const satisfies Record<string, Record<string, string>>;

type Groups = typeof ERROR_CODE_GROUPS;

/** A code raised on this device. */
export type LocalCode = { [G in keyof Groups]: keyof Groups[G] }[keyof Groups];

/** Every code raised on this device, with its meaning (the groups, flat). */
export const ERROR_CODES: Readonly<Record<LocalCode, string>> = Object.assign(
  {},
  ...Object.values(ERROR_CODE_GROUPS),
);

/**
 * The exit code of a code's errors where it is not 1 (failure) alone: each
 * error carries the exit code it was raised with and main.ts exits with it.
 * Two values: raised in places that exit differently (e.g. a bad value typed,
 * exit 2, or read from a file, exit 1). tests/error_codes_doc_test.ts checks
 * every raise of a literal code against this.
 */
export const ERROR_EXITS: Readonly<Partial<Record<LocalCode, readonly (1 | 2 | 130)[]>>> = {
  usage: [2],
  bad_input: [1, 2],
  bad_endpoint: [2],
  bad_path: [1, 2],
  bad_version: [2],
  control_char: [2],
  needs_confirmation: [2],
  ambiguous_device: [2],
  no_such_device: [2],
  no_such_key: [2],
  no_such_pattern: [2],
  unknown_folder: [2],
  home_not_folder: [2],
  cannot_write: [1, 2],
  bad_key_export: [1, 2],
  bad_card: [2],
  bad_config_file: [2],
  sync_interrupted: [130],
  pairing_code_empty: [2],
  pairing_code_character: [2],
  pairing_code_length: [2],
  pairing_code_typo: [2],
  pairing_code_version: [2],
  pairing_code_port: [1, 2],
  pairing_stopped: [130],
  // Ctrl-C while joining (130); the inviter's refusal: its code was cancelled (1).
  pairing_cancelled: [1, 130],
  bad_folder: [1, 2],
  already_shared: [2],
  already_joined: [2],
  not_in_folder: [2],
  not_synced: [2],
  bad_chunk_params: [2],
};

/** The exit codes errors with `code` exit with. */
export function exitsOf(code: LocalCode): readonly number[] {
  return ERROR_EXITS[code] ?? [1];
}

/**
 * Codes a peer sends in `error` (or a chunk `stop`) that are not raised
 * here: with {@link LocalCode}s (a peer that could not store what we sent
 * sends its own error's code) they make up what `peer_<code>` may be.
 */
export const WIRE_CODES = {
  handshake_check: "the caller only checked the handshake and ends the session",
  store_failed: "the peer could not store what we sent, for a reason with no code",
  not_shared: "the peer does not share that folder with this device",
} as const satisfies Record<string, string>;

/** What a peer may send as its `error` code. */
export type PeerSentCode = Exclude<LocalCode, `peer_${string}`> | keyof typeof WIRE_CODES;

/** Every code a MycelError may carry: a {@link LocalCode} or `peer_<code>`. */
export type ErrorCode = LocalCode | `peer_${PeerSentCode}`;

/** The refusal codes an inviting device sends (protocol/pairing_messages.ts). */
export const PAIRING_REFUSALS = [
  "wrong_code",
  "expired",
  "cancelled",
  "used",
  "declined",
  "bad_proof",
  "already_paired",
  "revoked",
] as const;

/** One of {@link PAIRING_REFUSALS}. */
export type PairingRefusal = typeof PAIRING_REFUSALS[number];

/** True when `code` is a {@link PeerSentCode}. */
function isPeerSent(code: string): code is PeerSentCode {
  return !code.startsWith("peer_") &&
    (Object.hasOwn(ERROR_CODES, code) || Object.hasOwn(WIRE_CODES, code));
}

/**
 * The code of the error for a peer's `error` with `code` (decoded, so any
 * 1–64 of a-z and _): `peer_<code>` when this mycel knows the code, else
 * `peer_error` (a newer or a hostile peer; the message carries its code).
 */
export function peerCode(code: string): ErrorCode {
  return isPeerSent(code) ? `peer_${code}` : "peer_error";
}

function isRefusal(code: string): code is PairingRefusal {
  return (PAIRING_REFUSALS as readonly string[]).includes(code);
}

/** `pairing_<code>` for an inviter's known refusal, else `pairing_failed`. */
export function pairingRefusalCode(code: string): ErrorCode {
  return isRefusal(code) ? `pairing_${code}` : "pairing_failed";
}

/**
 * A code a peer sent that stands as it is (a hello refusal: `removed`,
 * `busy`, `not_accepted`): itself when this mycel knows it, else `peer_error`.
 */
export function knownCode(code: string): ErrorCode {
  return isErrorCode(code) ? code : "peer_error";
}

/** True when `code` is an {@link ErrorCode}. */
export function isErrorCode(code: string): code is ErrorCode {
  if (Object.hasOwn(ERROR_CODES, code)) return true;
  return code.startsWith("peer_") && isPeerSent(code.slice("peer_".length));
}
