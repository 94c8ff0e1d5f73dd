/**
 * @module reserved_config
 * Config keys under `mycel.` are reserved for mycel itself (the LAN
 * discovery secret, mesh/discovery_key.ts): `config` neither lists nor sets
 * them, `status` does not count them and `log` never prints their values.
 * A module of its own so those readers need nothing else. Pure.
 */

/** Prefix of config keys reserved for mycel itself. */
export const RESERVED_CONFIG_PREFIX = "mycel.";

/** True when `key` is reserved for mycel (not listed or set by `config`). */
export function isReservedConfigKey(key: string): boolean {
  return key.startsWith(RESERVED_CONFIG_PREFIX);
}
