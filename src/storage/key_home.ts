/**
 * @module key_home
 * The one entry point for a home's private keys; the rest of mycel imports
 * only this module:
 * - {@link saveDeviceKeys} (init, join, import; key_save.ts) chooses the
 *   store — the OS keyring when one answers, else the 0600 file, sealed by a
 *   passphrase when one is given — and records it in the home's key file;
 *   falling back to the file is never silent (the reason is returned);
 * - {@link loadDeviceKeys} (every command that signs, syncs or brings the
 *   mesh up; key_load.ts) reads them back from there, or from the systemd
 *   credential a unit was handed;
 * - {@link locateDeviceKeys} / {@link describeKeyLocation} (status, doctor,
 *   `keys where`; key_location.ts) say where, reading no secret.
 * See docs/keys.md.
 */

export { loadDeviceKeys } from "./key_load.ts";
export {
  describeKeyLocation,
  type KeyLocation,
  type KeyOptions,
  type KeyStoreName,
  locateDeviceKeys,
} from "./key_location.ts";
export {
  forgetStoredKeys,
  KEY_STORE_CHOICES,
  type KeyStoreChoice,
  saveDeviceKeys,
  type SavedKeys,
} from "./key_save.ts";
