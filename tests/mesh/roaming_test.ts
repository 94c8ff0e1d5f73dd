/**
 * @module roaming_test
 * Endpoint choice: a live tunnel's endpoint is never replaced by a record;
 * otherwise candidates are tried newest success first, and `mesh up` moves a
 * dead tunnel on to the next one each round, wrapping around; other applies
 * keep it. Remembered endpoints stay bounded, newest kept. Another member's
 * hint steers a dead tunnel for short attempts 10–20 minutes apart, never
 * for good, and two honest ends on different schedules still meet. A live
 * tunnel that this device's own round found silent takes a hint at once;
 * a member's word alone never moves a live tunnel.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  HINT_FRESH_S,
  HINT_RETRY_MAX_S,
  HINT_RETRY_S,
  HINT_TRY_S,
  type HintAttempt,
} from "../../src/mesh/hint_attempts.ts";
import {
  chooseEndpoint,
  LIVE_HANDSHAKE_S,
  MAX_REMEMBERED,
  orderCandidates,
  remember,
} from "../../src/mesh/roaming.ts";
import { SILENT_FRESH_S } from "../../src/mesh/silent_tunnel.ts";
import type { WgDumpPeer } from "../../src/mesh/wg_dump.ts";

const NOW = 1_800_000_000;

function wgPeer(endpoint: string | null, ageS: number | null): WgDumpPeer {
  return {
    publicKey: "k",
    hasPresharedKey: false,
    endpoint,
    allowedIps: [],
    latestHandshake: ageS === null ? null : NOW - ageS,
    rxBytes: 0,
    txBytes: 0,
    persistentKeepalive: 25,
  };
}

const endpoint = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 65535 }))
  .map(([h, p]) => `192.0.2.${h}:${p}`);

Deno.test("a tunnel with a handshake in the last 3 minutes keeps WireGuard's endpoint", () => {
  fc.assert(fc.property(
    fc.array(endpoint, { maxLength: 5 }),
    endpoint,
    fc.integer({ min: 0, max: LIVE_HANDSHAKE_S }),
    fc.boolean(),
    (recorded, roamed, age, rotate) => {
      const c = chooseEndpoint(recorded, undefined, wgPeer(roamed, age), NOW, rotate);
      assert.equal(c.endpoint, roamed);
      assert.equal(c.reason, "wireguard");
      assert.deepEqual(c.good, { endpoint: roamed, at: (NOW - age) * 1000 });
    },
  ));
});

Deno.test("without a live tunnel the last good endpoint goes first, then the records", () => {
  const c = chooseEndpoint(
    ["198.18.0.2:51871", "10.0.0.2:51871"],
    { "203.0.113.5:51871": 5_000, "10.0.0.2:51871": 9_000 },
    undefined,
    NOW,
  );
  assert.deepEqual(c, { endpoint: "10.0.0.2:51871", reason: "first" });
  assert.deepEqual(
    orderCandidates(["198.18.0.2:51871", "10.0.0.2:51871"], {
      "203.0.113.5:51871": 5_000,
      "10.0.0.2:51871": 9_000,
    }),
    ["10.0.0.2:51871", "203.0.113.5:51871", "198.18.0.2:51871"],
  );
});

Deno.test("mesh up moves a dead tunnel to the next candidate each round and wraps around", () => {
  const recorded = ["a.example:1", "b.example:1", "c.example:1"];
  const seen: string[] = [];
  let current: string | null = null;
  for (let round = 0; round < 4; round++) {
    const c = chooseEndpoint(recorded, undefined, wgPeer(current, 900), NOW, true);
    seen.push(c.endpoint!);
    current = c.endpoint!;
  }
  assert.deepEqual(seen, ["a.example:1", "b.example:1", "c.example:1", "a.example:1"]);
  // Other applies keep the endpoint in place.
  assert.deepEqual(chooseEndpoint(recorded, undefined, wgPeer("b.example:1", 900), NOW, false), {
    endpoint: "b.example:1",
    reason: "kept",
  });
  // Nothing known: leave it to the peer.
  assert.deepEqual(chooseEndpoint([], undefined, wgPeer(null, null), NOW), { reason: "none" });
});

Deno.test("the chosen endpoint is always WireGuard's live one or a candidate", () => {
  fc.assert(fc.property(
    fc.array(endpoint, { maxLength: 4 }),
    fc.dictionary(endpoint, fc.nat()),
    fc.option(endpoint, { nil: null }),
    fc.option(fc.nat({ max: 1000 }), { nil: null }),
    fc.boolean(),
    (recorded, history, current, age, rotate) => {
      const c = chooseEndpoint(recorded, history, wgPeer(current, age), NOW, rotate);
      const allowed = new Set([
        ...recorded,
        ...Object.keys(history),
        ...(current ? [current] : []),
      ]);
      // Undefined leaves WireGuard's endpoint as it is: only when nothing is known.
      if (c.endpoint !== undefined) assert.ok(allowed.has(c.endpoint));
      else assert.equal(recorded.length + Object.keys(history).length, 0);
    },
  ));
});

Deno.test("remember() keeps the newest endpoints only, each at its latest time", () => {
  fc.assert(fc.property(fc.array(fc.tuple(endpoint, fc.nat()), { maxLength: 20 }), (events) => {
    let h: Record<string, number> | undefined;
    for (const [e, at] of events) h = remember(h, e, at);
    const kept = Object.entries(h ?? {});
    assert.ok(kept.length <= MAX_REMEMBERED);
    const latest = new Map<string, number>();
    for (const [e, at] of events) latest.set(e, Math.max(at, latest.get(e) ?? 0));
    for (const [e, at] of kept) assert.equal(at, latest.get(e));
    const dropped = [...latest].filter(([e]) => !(e in (h ?? {})));
    const oldestKept = Math.min(...kept.map(([, at]) => at));
    for (const [, at] of dropped) assert.ok(at <= oldestKept);
  }));
});

Deno.test("a dead tunnel goes where another member lately saw the peer (NAT traversal), and an attempt begins", () => {
  const hint = { endpoint: "203.0.113.9:40001", at: (NOW - 30) * 1000 };
  const recorded = ["10.0.0.5:51871"];
  for (const rotate of [true, false]) {
    assert.deepEqual(
      chooseEndpoint(recorded, {}, wgPeer("10.0.0.5:51871", 600), NOW, rotate, hint),
      {
        endpoint: "203.0.113.9:40001",
        reason: "told",
        attempt: { endpoint: "203.0.113.9:40001", via: "", since: NOW * 1000, tries: 1 },
      },
    );
  }
  // A live tunnel keeps WireGuard's endpoint whatever anyone says.
  assert.equal(
    chooseEndpoint(recorded, {}, wgPeer("198.51.100.1:5", 10), NOW, true, hint).reason,
    "wireguard",
  );
  // A stale hint (older than a live handshake would be) is not acted on.
  const stale = { ...hint, at: (NOW - LIVE_HANDSHAKE_S - 1) * 1000 };
  assert.deepEqual(
    chooseEndpoint(recorded, {}, undefined, NOW, true, stale),
    { endpoint: "10.0.0.5:51871", reason: "first" },
  );
});

Deno.test("a live tunnel through which our own round just got nothing back goes where another member sees the peer; a hint alone, or older evidence, never moves it", () => {
  const hint = { endpoint: "203.0.113.9:40001", at: (NOW - 5) * 1000 };
  const recorded = ["10.0.0.5:51871"];
  const stale = "198.51.100.1:5";
  fc.assert(fc.property(
    fc.integer({ min: 0, max: LIVE_HANDSHAKE_S }),
    fc.integer({ min: 0, max: 400 }),
    fc.boolean(),
    (age, silentAgo, rotate) => {
      const silentAt = (NOW - silentAgo) * 1000;
      const c = chooseEndpoint(
        recorded,
        {},
        wgPeer(stale, age),
        NOW,
        rotate,
        hint,
        undefined,
        silentAt,
      );
      const evidence = silentAgo < age && silentAgo <= SILENT_FRESH_S;
      assert.equal(c.reason, evidence ? "told" : "wireguard", JSON.stringify({ age, silentAgo }));
      assert.equal(c.endpoint, evidence ? hint.endpoint : stale);
      // Without its own evidence, the hint never moves it.
      const alone = chooseEndpoint(recorded, {}, wgPeer(stale, age), NOW, rotate, hint);
      assert.equal(alone.endpoint, stale);
    },
  ));
  // Silent with no hint to act on (none, or one too old): WireGuard's endpoint stays.
  const old = { ...hint, at: (NOW - HINT_FRESH_S - 1) * 1000 };
  for (const h of [undefined, old]) {
    const c = chooseEndpoint(
      recorded,
      {},
      wgPeer(stale, 60),
      NOW,
      true,
      h,
      undefined,
      (NOW - 5) * 1000,
    );
    assert.deepEqual([c.endpoint, c.reason, c.attempt], [stale, "wireguard", undefined]);
  }
  // The attempt that brought the tunnel up (a handshake since it began) is over:
  // a silent tunnel goes to the newest hint, not back to that attempt's endpoint.
  const brought = { endpoint: stale, via: "", since: (NOW - 90) * 1000, tries: 1 };
  const again = chooseEndpoint(
    recorded,
    {},
    wgPeer(stale, 60),
    NOW,
    true,
    hint,
    brought,
    (NOW - 5) * 1000,
  );
  assert.deepEqual(again, {
    endpoint: hint.endpoint,
    reason: "told",
    attempt: { endpoint: hint.endpoint, via: "", since: NOW * 1000, tries: 1 },
  });
});

Deno.test("a silence noted before the wall clock stepped back (ahead of now) never moves a live tunnel, however fresh its handshake", () => {
  const hint = { endpoint: "203.0.113.9:40001", at: (NOW - 5) * 1000 };
  const stale = "198.51.100.1:5";
  // The clock went back an hour after the round noted the silence; handshakes
  // since carry the earlier clock's times, so the note stays after them.
  for (const aheadS of [2, 60, 3600]) {
    for (const age of [0, 30, 120]) {
      const c = chooseEndpoint(
        ["10.0.0.5:51871"],
        {},
        wgPeer(stale, age),
        NOW,
        true,
        hint,
        undefined,
        (NOW + aheadS) * 1000,
      );
      assert.deepEqual(
        [c.endpoint, c.reason],
        [stale, "wireguard"],
        JSON.stringify({ aheadS, age }),
      );
    }
  }
  // Noted within the apply's second (the apply reads whole seconds): still evidence.
  const same = chooseEndpoint(
    ["10.0.0.5:51871"],
    {},
    wgPeer(stale, 30),
    NOW,
    true,
    hint,
    undefined,
    NOW * 1000 + 700,
  );
  assert.equal(same.reason, "told");
});

Deno.test("a live tunnel left on a hinted endpoint with no handshake there since is not kept once the attempt is over", () => {
  const hinted = "203.0.113.9:40001";
  const attempt = { endpoint: hinted, via: "", since: (NOW - HINT_TRY_S - 10) * 1000, tries: 1 };
  // The last handshake (at the old endpoint) is older than the attempt, and still under 3 minutes.
  for (const rotate of [true, false]) {
    const c = chooseEndpoint(
      ["10.0.0.5:51871"],
      {},
      wgPeer(hinted, HINT_TRY_S + 20),
      NOW,
      rotate,
      undefined,
      attempt,
    );
    assert.equal(c.endpoint, "10.0.0.5:51871", JSON.stringify(c));
  }
  // A handshake there since the attempt began proves it: kept, the attempt dropped.
  const proven = chooseEndpoint(
    ["10.0.0.5:51871"],
    {},
    wgPeer(hinted, 30),
    NOW,
    false,
    undefined,
    attempt,
  );
  assert.deepEqual([proven.endpoint, proven.reason, proven.attempt], [
    hinted,
    "wireguard",
    undefined,
  ]);
});

Deno.test("a hint already tried for its few minutes no longer steers a dead tunnel: our own candidates take over, on every apply", () => {
  const recorded = ["10.0.0.5:51871", "10.0.0.6:51871"];
  const hint = { endpoint: "198.18.0.4:51871", at: (NOW - 10) * 1000, via: "ab" };
  const attempt: HintAttempt = {
    endpoint: hint.endpoint,
    via: "ab",
    since: (NOW - HINT_TRY_S - 20) * 1000,
    tries: 1,
  };
  // The tunnel is still dead on the hinted endpoint, and the member told it again just now.
  const dead = wgPeer(hint.endpoint, null);
  for (const rotate of [true, false]) {
    const c = chooseEndpoint(recorded, {}, dead, NOW, rotate, hint, attempt);
    assert.deepEqual(
      [c.endpoint, c.reason],
      ["10.0.0.5:51871", "first"],
      `rotate ${rotate}: ${JSON.stringify(c)}`,
    );
    assert.deepEqual(c.attempt, attempt, "the attempt is remembered, not renewed");
  }
  // Within the attempt it is acted on; a handshake forgets the attempt.
  const during = { ...attempt, since: (NOW - 60) * 1000 };
  assert.equal(chooseEndpoint(recorded, {}, dead, NOW, false, hint, during).reason, "told");
  const live = chooseEndpoint(recorded, {}, wgPeer("10.0.0.5:51871", 5), NOW, true, hint, during);
  assert.equal(live.reason, "wireguard");
  assert.equal(live.attempt, undefined);
});

/** Where one end's tunnel points over `hours` of its own rounds (each: `mesh up`, then the apply after the sync). */
function applies(first: number, every: number, hours: number, hint: (t: number) => string) {
  const recorded = ["10.0.0.5:51871", "10.0.0.6:51871"];
  let attempt: HintAttempt | undefined;
  let current: string | null = null;
  const told: number[] = [];
  const ours = new Set<string>();
  for (let t = first; t < hours * 3600; t += every) {
    const now = NOW + t;
    for (const rotate of [true, false]) {
      const h = { endpoint: hint(t), at: now * 1000 };
      const c = chooseEndpoint(recorded, {}, wgPeer(current, null), now, rotate, h, attempt);
      attempt = c.attempt;
      current = c.endpoint ?? current;
      if (c.reason === "told") told.push(t);
      else ours.add(c.endpoint!);
    }
  }
  return { told, ours, recorded };
}

/** Spans [start, end) in which the tunnel pointed at the hint (it stays where an apply left it). */
function onHint(first: number, every: number, hours: number): [number, number][] {
  const { told } = applies(first, every, hours, () => "198.51.100.7:40000");
  const spans: [number, number][] = [];
  for (const t of new Set(told)) {
    const last = spans.at(-1);
    if (last !== undefined && last[1] === t) last[1] = t + every;
    else spans.push([t, t + every]);
  }
  return spans;
}

Deno.test("a member that keeps sending hints (a new address each round) steers a dead tunnel for short attempts, 10–20 minutes apart, never for good", () => {
  const step = 30; // a timer round
  const hours = 6;
  const { told, ours, recorded } = applies(
    0,
    step,
    hours,
    (t) => `198.18.0.${4 + (t / step) % 200}:51871`,
  );
  // Each attempt: the applies within HINT_TRY_S of its first; then at least HINT_RETRY_S off.
  const starts = told.filter((t, i) => i === 0 || t - told[i - 1] > HINT_TRY_S);
  for (let i = 1; i < starts.length; i++) {
    const gap = starts[i] - starts[i - 1];
    assert.ok(gap >= HINT_RETRY_S && gap <= HINT_RETRY_MAX_S + step, `attempts ${gap} s apart`);
  }
  const share = new Set(told).size / (hours * 3600 / step);
  assert.ok(
    share <= (HINT_TRY_S + step) / HINT_RETRY_S,
    `on the member's addresses ${share} of the rounds`,
  );
  assert.deepEqual([...ours].sort(), recorded, "our own candidates were tried in between");
  // Hints are acted on only while fresh, as before.
  assert.equal(HINT_FRESH_S, LIVE_HANDSHAKE_S);
});

Deno.test("two honest ends, one syncing every 30 s and one every 3 to 10 minutes, are on their hints at once within 3 hours, whatever their offset", () => {
  for (const every of [180, 240, 300, 450, 600]) {
    const a = onHint(0, 30, 3);
    for (let offset = 0; offset < every; offset += 30) {
      const b = onHint(offset, every, 3);
      const met = a.some(([s, e]) => b.some(([s2, e2]) => Math.min(e, e2) - Math.max(s, s2) >= 30));
      // A fixed 15-minute gap between attempts missed 14 of 30 offsets at 5 minutes, for good.
      assert.ok(met, `rounds every ${every} s, ${offset} s after the other's: never at once`);
    }
  }
});

Deno.test("between rounds a dead tunnel keeps its endpoint, unless something newer worked since", () => {
  const dead = wgPeer("192.0.2.2:51871", 600);
  const old = { "192.0.2.2:51871": (NOW - 600) * 1000 };
  assert.deepEqual(chooseEndpoint(["192.0.2.2:51871"], old, dead, NOW, false), {
    endpoint: "192.0.2.2:51871",
    reason: "kept",
  });
  // The peer moved and a sync session just reached it at 192.0.2.12.
  const moved = { ...old, "192.0.2.12:51871": (NOW - 5) * 1000 };
  assert.deepEqual(chooseEndpoint(["192.0.2.12:51871"], moved, dead, NOW, false), {
    endpoint: "192.0.2.12:51871",
    reason: "first",
  });
});

Deno.test("between rounds a dead tunnel on one of our candidates as WireGuard shows it (a name resolved, an IPv6 spelt another way) keeps it", () => {
  // `mesh up` just moved the dead tunnel on to the peer's pinned name (or
  // IPv6 address as typed); `wg show` gives the address it resolved to.
  const lan = "192.168.1.5:51871";
  const yesterday = { [lan]: (NOW - 86_400) * 1000 };
  for (
    const [pinned, shown] of [
      ["home.example.net:51871", "203.0.113.7:51871"],
      ["[2001:DB8:0:0::5]:51871", "[2001:db8::5]:51871"],
    ]
  ) {
    for (const history of [undefined, yesterday]) {
      const c = chooseEndpoint([lan, pinned], history, wgPeer(shown, 900), NOW, false);
      assert.deepEqual(c, { endpoint: shown, reason: "kept" }, `${pinned}, ${!!history}`);
    }
  }
  // A hint's endpoint left after its attempt is still not kept.
  const attempt: HintAttempt = {
    endpoint: "198.51.100.9:4000",
    via: "",
    since: (NOW - HINT_TRY_S - 60) * 1000,
    tries: 1,
  };
  const c = chooseEndpoint(
    [lan],
    yesterday,
    wgPeer(attempt.endpoint, null),
    NOW,
    false,
    undefined,
    attempt,
  );
  assert.deepEqual([c.endpoint, c.reason], [lan, "first"]);
});

Deno.test("during an attempt another member's hints elsewhere neither cut it short nor flap the tunnel", () => {
  const recorded = ["10.0.0.5:51871"];
  const honest = "203.0.113.9:40001";
  let attempt: HintAttempt | undefined;
  let current: string | null = "10.0.0.5:51871";
  const chosen: string[] = [];
  // The honest hint starts an attempt; then the rogue's and the honest one alternate each round.
  for (let t = 0; t < HINT_TRY_S; t += 15) {
    const now = NOW + t;
    const endpoint = t === 0 || (t / 15) % 2 === 0 ? honest : `198.51.100.${t / 15}:4000`;
    const hint = { endpoint, at: now * 1000 };
    const c = chooseEndpoint(recorded, {}, wgPeer(current, null), now, t % 30 === 0, hint, attempt);
    attempt = c.attempt;
    current = c.endpoint ?? current;
    chosen.push(`${c.reason} ${c.endpoint}`);
  }
  assert.deepEqual(new Set(chosen), new Set([`told ${honest}`]), chosen.join(", "));
  assert.equal(attempt?.tries, 1);
});
