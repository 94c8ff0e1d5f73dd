/**
 * @module wire_counter
 * mycel's bytes on the wire in folder_bench.ts, counted by the kernel
 * ({@link WireCounter}). Apart from the bench so that a scratch script can
 * open one (its teardown on a signal is checked that way, without a run of
 * the whole bench); its table is noted in the bench's {@link Teardown}
 * before it is made, so Ctrl-C never leaves it in the kernel.
 */

import type { Teardown } from "./bench_teardown.ts";

/**
 * Payload bytes to and from TCP ports on 127.0.0.1, counted by the kernel:
 * an nftables table with a counter per port and direction on the output hook
 * (every loopback packet passes it once), less the IPv4 and TCP header per
 * packet (52 bytes with TCP timestamps, Linux's default; 40 without), so a
 * pure ACK counts 0 and a connection's SYN options are the only error (8
 * bytes or so). Nothing
 * sits in the path: until 2026-12-06 a counting proxy in the bench process
 * relayed every byte of mycel's sessions (not Syncthing's, which counts its
 * own), a JavaScript process on the same two cores that cost mycel's first
 * sync about 0.5–0.7 s (docs/benchmarks.md). Needs root and `nft`.
 */
export class WireCounter {
  /** IPv4 (20) and TCP (20, and 12 of timestamps when the kernel sends them) header bytes. */
  static readonly HEADER = 40 +
    (Deno.readTextFileSync("/proc/sys/net/ipv4/tcp_timestamps").trim() === "0" ? 0 : 12);
  readonly table = `mycel_folder_bench_${Deno.pid}`;
  #base = new Map<string, number>();

  private constructor(readonly ports: number[], readonly teardown: Teardown) {}

  /** Count `ports` from now on (throws, saying why, without root or `nft`). */
  static async open(ports: number[], teardown: Teardown): Promise<WireCounter> {
    const c = new WireCounter(ports, teardown);
    const rules = ports.flatMap((p) => [`tcp dport ${p} counter`, `tcp sport ${p} counter`]);
    const script = [
      `table inet ${c.table} {`,
      "  chain out {",
      "    type filter hook output priority 0; policy accept;",
      ...rules.map((r) => `    ${r}`),
      "  }",
      "}",
    ].join("\n");
    teardown.table(c.table);
    const nft = teardown.spawn(
      new Deno.Command("nft", { args: ["-f", "-"], stdin: "piped", stderr: "piped" }),
    );
    const w = nft.stdin.getWriter();
    await w.write(new TextEncoder().encode(script + "\n"));
    await w.close();
    const o = await nft.output();
    if (!o.success) {
      throw new Error(
        `the bench counts bytes on the wire with nftables (needs root and nft): ${
          new TextDecoder().decode(o.stderr).trim()
        }`,
      );
    }
    return c;
  }

  /** Payload bytes per rule ("dport P" / "sport P") since the table was made. */
  async #read(): Promise<Map<string, number>> {
    // Standard output alone: a warning on standard error is no JSON.
    const out = await this.teardown.spawn(
      new Deno.Command("nft", {
        args: ["-j", "list", "table", "inet", this.table],
        stdout: "piped",
        stderr: "piped",
      }),
    ).output();
    if (!out.success) throw new Error(`nft list: ${new TextDecoder().decode(out.stderr)}`);
    const json = JSON.parse(new TextDecoder().decode(out.stdout));
    const got = new Map<string, number>();
    for (const o of json.nftables) {
      const rule = o.rule;
      if (rule === undefined) continue;
      const match = rule.expr.find((e: Record<string, unknown>) => "match" in e)?.match;
      const counter = rule.expr.find((e: Record<string, unknown>) => "counter" in e)?.counter;
      if (match === undefined || counter === undefined) continue;
      const key = `${match.left.payload.field} ${match.right}`;
      got.set(key, counter.bytes - WireCounter.HEADER * counter.packets);
    }
    return got;
  }

  /** Start counting from here (every counter's current value becomes its zero). */
  async zero(): Promise<void> {
    this.#base = await this.#read();
  }

  /** Payload bytes both ways through all the ports since the last {@link zero}. */
  async total(): Promise<number> {
    let sum = 0;
    for (const [k, v] of await this.#read()) sum += v - (this.#base.get(k) ?? 0);
    return sum;
  }

  /** Delete the table (the teardown deletes it otherwise). */
  async close(): Promise<void> {
    const out = await this.teardown.spawn(
      new Deno.Command("nft", {
        args: ["delete", "table", "inet", this.table],
        stdout: "null",
        stderr: "null",
      }),
    ).output().catch(() => undefined);
    if (out?.success) this.teardown.tableGone(this.table);
  }
}
