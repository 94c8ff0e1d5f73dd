/**
 * @module state_memory_parked_test
 * Parked dots in the in-memory state (rebuilds, compaction plans, checkpoint
 * codecs): folding an author's entries drops that author's parked dots at or
 * below its frontier, and only those. They are indexed by author so a fold
 * costs the dots it drops (the scan of every parked dot per folded entry made
 * a compaction plan of 200k entries take minutes); this property test holds
 * the index to the plain definition. And clear() forgets the synced folders
 * with the rest.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DeviceKey } from "../../src/log/device_key.ts";
import { MemoryState } from "../../src/log/state_memory.ts";

const AUTHORS = [1, 2, 3].map((n) => DeviceKey.of(new Uint8Array(32).fill(n)));

type Step =
  | { kind: "park"; key: string; author: number; seq: number }
  | { kind: "seen"; author: number; seq: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("park" as const),
    key: fc.constantFrom("a", "b", "c", "d"),
    author: fc.integer({ min: 0, max: 2 }),
    seq: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    kind: fc.constant("seen" as const),
    author: fc.integer({ min: 0, max: 2 }),
    seq: fc.integer({ min: 0, max: 40 }),
  }),
);

Deno.test("property: parked dots left after any parks and frontier moves are those the plain rule leaves", () => {
  fc.assert(
    fc.property(fc.array(stepArb, { maxLength: 200 }), (steps) => {
      const state = new MemoryState();
      const space = state.space("prefs");
      const model = new Map<string, { key: string; author: string; seq: number }>();
      for (const s of steps) {
        const author = AUTHORS[s.author].hex;
        if (s.kind === "park") {
          space.park(s.key, { author, seq: s.seq });
          model.set(`${s.key}|${author}:${s.seq}`, { key: s.key, author, seq: s.seq });
        } else {
          state.setSeen(AUTHORS[s.author], s.seq);
          for (const [id, d] of model) if (d.author === author && d.seq <= s.seq) model.delete(id);
        }
      }
      const got = [...state.parked()].filter(([sp]) => sp === "prefs")
        .map(([, key, author, seq]) => `${key}|${author}:${seq}`).sort();
      assert.deepEqual(got, [...model.keys()].sort());
      for (const d of model.values()) assert.ok(space.isParked(d.key, d));
    }),
    { numRuns: 500 },
  );
});

Deno.test("clear() forgets the synced folders too, as it forgets everything else", () => {
  // A rebuild's reset clears the state before each pass (compaction.ts): a
  // folder row kept across it would outlive the entries a later pass cuts.
  const s = new MemoryState();
  s.folders().putShare("docs", { name: "docs", wall: 1, counter: 0, author: AUTHORS[0].hex });
  s.addApp("vim");
  assert.ok(s.folders().share("docs") !== undefined);
  s.clear();
  assert.equal(s.folders().share("docs"), undefined);
  assert.deepEqual([...s.folders().paths("docs")], []);
});
