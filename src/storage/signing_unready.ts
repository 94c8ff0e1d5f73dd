/**
 * @module signing_unready
 * What a commit throws when this device's keys were not read before its
 * write transaction began (home_writer.ts): the transaction is rolled back
 * and Home.write reads them, outside it, then runs the write again
 * (home_writes.ts). Apart, and tiny, because the handle catches it and
 * commands that only read must not load the writer.
 */

/** A commit found signing not made ready before its transaction began. */
export class SigningUnready extends Error {
  constructor() {
    super("a commit found this device's keys unread inside its transaction");
    this.name = "SigningUnready";
  }
}
