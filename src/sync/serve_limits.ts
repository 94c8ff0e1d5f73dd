/**
 * @module serve_limits
 * How many sync connections are served at once, in all and per source
 * address: the foreground listener (serve.ts) enforces them itself, and the
 * systemd socket unit (src/service/units.ts) hands systemd the per-source
 * one. A module of its own so the pure unit rendering does not load the
 * server (the home, SQLite, the network).
 */

/** Most connections served at once by the listener. */
export const MAX_CONCURRENT = 32;
/**
 * Most connections served at once for one source address, so idle sockets
 * from one address cannot hold every slot.
 */
export const MAX_PER_SOURCE = 4;
