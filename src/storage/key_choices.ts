/**
 * @module key_choices
 * The key stores a user may pick (`--keys`), in a module of their own so the
 * command table can offer them without loading the stores themselves.
 */

/** Where `--keys` may put a device's keys. */
export const KEY_STORE_CHOICES = ["auto", "secret-service", "keychain", "file"] as const;
/** One of {@link KEY_STORE_CHOICES}. */
export type KeyStoreChoice = typeof KEY_STORE_CHOICES[number];
