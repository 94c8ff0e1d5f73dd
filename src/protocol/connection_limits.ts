/**
 * @module connection_limits
 * How many sync connections are served at once, in all and per source
 * address: the foreground listener (src/sync/serve.ts) enforces them itself,
 * and the systemd socket unit (src/service/units.ts) hands systemd the
 * per-source one. Here, below both layers, so the unit rendering neither
 * imports the sync layer nor loads the server.
 */

/** Most connections served at once by the listener. */
export const MAX_CONCURRENT = 32;
/**
 * Most connections served at once for one source address, so idle sockets
 * from one address cannot hold every slot.
 */
export const MAX_PER_SOURCE = 4;
/**
 * Most sessions served at once for one member device. An honest device runs
 * one round at a time (its round lock), one session per peer; a second
 * leaves room for a round that overlaps the end of a session the peer has
 * not noticed closed. Without it a member (a stolen device, say) dialling
 * from 8 addresses held all 32 slots for the session deadline, and no other
 * member got in (authenticated slots are never evicted).
 */
export const MAX_PER_DEVICE = 2;
/**
 * Most sessions of the listener whose connections closed while their
 * records (last seen, acks) wait in the home's write queue, typically for
 * another process's lock: they give their places back at once, so a
 * member's next rounds are not refused as busy meanwhile. Past it a session
 * keeps its places until its record is written, so sessions that end while
 * a lock is held for long cannot pile up without bound.
 */
export const MAX_RECORDS_WAITING = 64;
/**
 * Most connections systemd hands the socket unit's `sync serve --stdio`
 * processes at once (`MaxConnections=` of mycel-sync.socket); past it
 * systemd refuses a connection outright, no process starts to make room.
 */
export const STDIO_MAX_CONNECTIONS = 16;
/**
 * Live `--stdio` processes of a home past which a new one evicts the oldest
 * that has not authenticated (src/sync/stdio_admission.ts): below
 * {@link STDIO_MAX_CONNECTIONS}, so a member's connection still finds room
 * while a stranger's idle ones are being evicted.
 */
export const STDIO_EVICT_AT = 12;
