/**
 * @module pairing_invite_types
 * What an invitation is given and how it ends ({@link invite} in
 * pairing_inviter.ts), shared by the invitation's loop and its attempts
 * (pairing_attempt.ts).
 */

import type { DeviceRecord } from "../log/device_record.ts";
import type { LocalAddress } from "../mesh/self_endpoints.ts";

/** Wrong codes allowed before pairing is cancelled. */
export const MAX_ATTEMPTS = 3;

/** Options of `invite` (pairing_inviter.ts). */
export interface InviteOptions {
  /** Address to bind. */
  bindHost: string;
  /** Port to bind (0: any free port). */
  port: number;
  /** Address put into the code (where the joiner connects). */
  advertiseHost: string;
  /** How long the code is valid (ms). */
  ttlMs: number;
  /** How long to keep answering late attempts after the end (ms). */
  lingerMs: number;
  /** Name to give the new device (else its own choice). */
  name?: string;
  /** Wall clock. */
  now: () => number;
  /**
   * How a time reads in messages ("code expired at ..."), which the joiner
   * shows too: local time with its UTC offset, as every command prints times
   * (the CLI passes its formatter; sync does not depend on the CLI).
   */
  timeText: (ms: number) => string;
  /** Environment. */
  env: (name: string) => string | undefined;
  /** Stops waiting (SIGINT). */
  signal: AbortSignal;
  /** Shows the code once the listener is up. */
  onCode: (code: string, expiresAt: number) => void;
  /**
   * The code can no longer pair (it expired, or too many wrong attempts), and
   * late joiners are told so until `until`: said, so the time the listener
   * stays up after a countdown reached 0:00 is explained.
   */
  onEnded?: (message: string, until: number) => void;
  /** Progress lines (wrong attempts, verification string). */
  log: (line: string) => void;
  /**
   * Ask "same verification string on both screens?" (false: do not admit);
   * `dropped` fires when the other side ended the exchange first.
   */
  confirm: (verification: string, dropped: AbortSignal) => Promise<boolean>;
  /** This machine's addresses: our own record is brought up to date before the joiner gets it. */
  addresses?: readonly LocalAddress[];
}

/**
 * How an invitation ended: paired; or expired, cancelled (too many wrong
 * attempts), declined (a verification string not confirmed), failed (the
 * joiner hung up while the verification was being asked), or stopped (the
 * signal fired: Ctrl-C here).
 */
export type InviteResult =
  | { status: "paired"; device: DeviceRecord; verification: string; sentBytes: number }
  | { status: "expired" | "cancelled" | "stopped" | "declined" | "failed"; message: string }
  | {
    /** Admitted (signed, committed) but never confirmed: the code is spent. */
    status: "unconfirmed";
    device: DeviceRecord;
    message: string;
  };
