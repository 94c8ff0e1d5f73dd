/**
 * @module ops
 * The operations a log entry carries, their validation and their compact
 * wire form (`encodeOp` / `decodeOp`). Every op that arrives from a peer is
 * decoded through here, so every field is checked for type and size.
 *
 * The one path the rest of mycel imports ops from: the types are
 * op_types.ts, the field checks op_checks.ts, the wire form op_codec.ts
 * (the folder ops' own codec: file_ops.ts).
 */

export type { EntryDot, Op } from "./op_types.ts";
export {
  checkConfigKey,
  checkName,
  checkPattern,
  checkPrefValue,
  MAX_KEY_LENGTH,
  MAX_PREF_LENGTH,
} from "./op_checks.ts";
export { decodeOp, encodeOp, MAX_DOTS } from "./op_codec.ts";
