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
