/**
 * @module crash_test
 * kill -9 at random moments. Writers (`init`, `pref set`, `config set`,
 * `config import`, `app add`, `pattern add`, `pref unset`) are spawned and
 * killed by PID with SIGKILL after a random delay; after every kill:
 * - the home loads: `status --json` exits 0 — or, only when the very first
 *   `init` of the home was killed before it confirmed, it says the home is
 *   not set up (and nothing was ever confirmed there);
 * - every write a process reported as done (exit 0 with its confirmation
 *   line) is there, and every removal reported as done stays removed.
 * At the end of each home, a write still works and `mycel log` reads the
 * whole chain.
 *
 * Several homes are worked on in parallel ("lanes") to stay within about a
 * minute on 2 cores. The kill delay follows how long a writer takes on this
 * machine under this load (see below: 0 … ~100 ms when the machine is
 * otherwise idle), so most kills land while the process runs, many of them
 * in its last part (lock, append, fsync, snapshot). A kill that comes after
 * the process finished counts as a confirmed run, not as a kill. The seed is
 * printed; set CRASH_SEED to replay a run's choices (timing still varies),
 * CRASH_KILLS to change the number of kills.
 */

import assert from "node:assert/strict";
import { describe, type MycelResult, spawn, type StatusJson, tempHome } from "../helpers/mycel.ts";
import { rng } from "../helpers/random.ts";

const KILLS = Number(Deno.env.get("CRASH_KILLS") ?? 220);
const LANES = 4;
const STEPS_PER_HOME = 24;
const SEED = Number(Deno.env.get("CRASH_SEED") ?? Date.now() % 1_000_000);

/** What a home must hold: key → value, or ABSENT when a removal was confirmed. */
const ABSENT = Symbol("absent");
type Expect = Map<string, unknown>;

interface Model {
  prefs: Expect;
  config: Expect;
  apps: Set<string>;
  patterns: Map<string, unknown>;
  /** Pref keys whose value is confirmed (candidates for unset). */
  livePrefs: string[];
  /** A write was confirmed here (so "not set up" is never acceptable). */
  confirmedAny: boolean;
}

function newModel(): Model {
  return {
    prefs: new Map(),
    config: new Map(),
    apps: new Set(),
    patterns: new Map(),
    livePrefs: [],
    confirmedAny: false,
  };
}

/** One writer invocation: argv, the confirmation it prints, and what it means. */
interface Op {
  kind: string;
  args: string[];
  confirmation: string;
  apply: (m: Model) => void;
  /** A pref key this op sets: after a kill, tells whether it committed anyway. */
  probe?: string;
  /** When killed (unconfirmed), forget what can no longer be asserted. */
  unsure?: (m: Model) => void;
}

interface Totals {
  kills: number;
  finished: number;
  confirmed: number;
  failures: string[];
  notInitialised: number;
  durableKilled: number;
  finishedMs: number[];
  tmpLeft: number;
  killDelays: number[];
  homes: number;
  checks: number;
  byKind: Record<string, { kills: number; confirmed: number }>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

Deno.test({
  name:
    `kill -9 at random moments (${KILLS}+ kills): the home always loads and keeps every confirmed write`,
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const started = performance.now();
    const totals: Totals = {
      kills: 0,
      finished: 0,
      confirmed: 0,
      failures: [],
      notInitialised: 0,
      durableKilled: 0,
      finishedMs: [],
      tmpLeft: 0,
      killDelays: [],
      homes: 0,
      checks: 0,
      byKind: {},
    };
    console.log(`crash test seed ${SEED} (CRASH_SEED=${SEED} to replay the choices)`);

    // Kill delays follow the writers' run time on this machine right now
    // (`typical`: a moving average over the writers that are never killed,
    // one step in five, which also keeps confirmed writes accumulating):
    // half of the kills are uniform over 0 … 1.2 × typical, the other
    // 30 % of steps aim at the end of a writer's life (0.6 … 1.05 × typical),
    // where it takes the lock, appends, fsyncs and replaces the snapshot.
    // On an idle 2-core machine that is 0 … ~100 ms.
    await using cal = await tempHome("mycel-crash-cal-");
    await cal.ok(["init", "--name", "cal"]);
    const runs: number[] = [];
    for (let i = 0; i < 4; i++) runs.push((await cal.ok(["pref", "set", `c${i}`, "x"])).ms);
    let typical = 1.5 * median(runs); // the lanes slow each other down
    console.log(`calibration: a write alone takes ~${median(runs).toFixed(0)} ms`);

    const lane = async (laneNo: number) => {
      const random = rng(SEED * 31 + laneNo);
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
      await using dir = await tempHome(`mycel-crash-${laneNo}-`);
      let home = "";
      let model = newModel();
      let step = 0;
      let n = 0;

      const newHome = async () => {
        if (home !== "") await finishHome();
        home = dir.path(`home${totals.homes++}`);
        model = newModel();
        step = 0;
      };

      const failure = (msg: string) => {
        totals.failures.push(`[lane ${laneNo}, ${home}] ${msg}`);
      };

      const makeOp = (): Op => {
        n++;
        const tag = `${laneNo}_${n}`;
        if (step === 0 && random() < 0.5) {
          return {
            kind: "init",
            args: ["init", "--name", `lane${laneNo}`],
            confirmation: `Initialised ${home}\n`,
            apply: () => {},
          };
        }
        const kind = pick(["pref", "pref", "config", "import", "app", "pattern", "unset"]);
        switch (kind) {
          case "config":
            return {
              kind,
              args: ["config", "set", `c.k${tag}`, `${n}`],
              confirmation: `c.k${tag} = ${n}\n`,
              apply: (m) => m.config.set(`c.k${tag}`, n),
            };
          case "import": {
            const file = dir.path(`import${tag}.toml`);
            Deno.writeTextFileSync(
              file,
              `top${tag} = "t"\n[imp${tag}]\na = ${n}\nb = "x"\n[imp${tag}.deep]\nc = [1, 2]\nd = true\n`,
            );
            return {
              kind,
              args: ["config", "import", file],
              confirmation: `imported 5 keys (5 changed) from ${file}\n`,
              apply: (m) => {
                m.config.set(`top${tag}`, "t");
                m.config.set(`imp${tag}.a`, n);
                m.config.set(`imp${tag}.b`, "x");
                m.config.set(`imp${tag}.deep.c`, [1, 2]);
                m.config.set(`imp${tag}.deep.d`, true);
              },
            };
          }
          case "app":
            return {
              kind,
              args: ["app", "add", `app${tag}`, `tool${tag}`],
              confirmation: `added app${tag}\nadded tool${tag}\n`,
              apply: (m) => {
                m.apps.add(`app${tag}`);
                m.apps.add(`tool${tag}`);
              },
            };
          case "pattern": {
            const value = { id: `p${tag}`, text: `pattern ${n}`, n };
            return {
              kind,
              args: ["pattern", "add", JSON.stringify(value)],
              confirmation: `added pattern p${tag}\n`,
              apply: (m) => m.patterns.set(`p${tag}`, value),
            };
          }
          case "unset": {
            const key = model.livePrefs.length > 0 ? pick(model.livePrefs) : undefined;
            if (key !== undefined) {
              return {
                kind,
                args: ["pref", "unset", key],
                confirmation: `removed ${key}\n`,
                apply: (m) => {
                  m.prefs.set(key, ABSENT);
                  m.livePrefs = m.livePrefs.filter((k) => k !== key);
                },
                // Killed: it may or may not have been removed.
                unsure: (m) => {
                  m.prefs.delete(key);
                  m.livePrefs = m.livePrefs.filter((k) => k !== key);
                },
              };
            }
          }
          // falls through: nothing to unset yet
          default:
            return {
              kind: "pref",
              args: ["pref", "set", `k${tag}`, `v${n} ${"·".repeat(n % 7)}`],
              confirmation: `k${tag} = v${n} ${"·".repeat(n % 7)}\n`,
              probe: `k${tag}`,
              apply: (m) => {
                m.prefs.set(`k${tag}`, `v${n} ${"·".repeat(n % 7)}`);
                m.livePrefs.push(`k${tag}`);
              },
            };
        }
      };

      /**
       * The home loads and holds every confirmed write. Returns whether pref
       * `probe` is present.
       */
      const check = async (after: string, probe?: string): Promise<boolean> => {
        totals.checks++;
        const st = await spawn(["status", "--json"], { home }).result();
        if (st.code !== 0) {
          // Under --json the error is one JSON object on standard error.
          const notSetUp = /^\{"error":\{"code":"not_initialized",/.test(st.stderr);
          if (notSetUp && !model.confirmedAny) {
            totals.notInitialised++;
            return false;
          }
          failure(`after ${after}: status failed: ${describe(["status", "--json"], st)}`);
          return false;
        }
        let status: StatusJson;
        try {
          status = JSON.parse(st.stdout);
        } catch {
          failure(`after ${after}: status printed no JSON: ${st.stdout}`);
          return false;
        }
        if (status.mesh.devices > 1 || Object.keys(status.log.heads).length > 1) {
          failure(`after ${after}: more than one identity: ${st.stdout}`);
        }
        const lists = await Promise.all(
          [["pref"], ["config"], ["app"], ["pattern"]].map(([g]) =>
            spawn([g, "list", "--json"], { home }).result()
          ),
        );
        const [prefsR, configR, appsR, patternsR] = lists;
        for (
          const [r, g] of [[prefsR, "pref"], [configR, "config"], [appsR, "app"], [
            patternsR,
            "pattern",
          ]] as [MycelResult, string][]
        ) {
          if (r.code !== 0) failure(`after ${after}: ${describe([g, "list", "--json"], r)}`);
        }
        if (lists.some((r) => r.code !== 0)) return false;
        const prefs = JSON.parse(prefsR.stdout) as Record<string, unknown>;
        const config = JSON.parse(configR.stdout) as Record<string, unknown>;
        const apps = new Set(JSON.parse(appsR.stdout) as string[]);
        const patterns = new Map(
          (JSON.parse(patternsR.stdout) as { id: string }[]).map((p) => [p.id, p]),
        );
        const missing: string[] = [];
        for (const [k, v] of model.prefs) {
          if (v === ABSENT ? k in prefs : prefs[k] !== v) {
            missing.push(`pref ${k}: want ${String(v === ABSENT ? "absent" : v)}, got ${prefs[k]}`);
          }
        }
        for (const [k, v] of model.config) {
          if (JSON.stringify(config[k]) !== JSON.stringify(v)) {
            missing.push(
              `config ${k}: want ${JSON.stringify(v)}, got ${JSON.stringify(config[k])}`,
            );
          }
        }
        for (const a of model.apps) if (!apps.has(a)) missing.push(`app ${a}`);
        for (const [id, v] of model.patterns) {
          if (JSON.stringify(patterns.get(id)) !== JSON.stringify(v)) missing.push(`pattern ${id}`);
        }
        if (missing.length > 0) {
          failure(`after ${after}: confirmed writes lost: ${missing.slice(0, 5).join("; ")}`);
        }
        return probe !== undefined && probe in prefs;
      };

      /** Close a home: a write still works and the whole log reads back. */
      const finishHome = async () => {
        const args = ["pref", "set", "final", "ok"];
        const w = await spawn(args, { home }).result();
        if (w.code !== 0) failure(`closing write failed: ${describe(args, w)}`);
        else {
          model.prefs.set("final", "ok");
          model.confirmedAny = true;
        }
        const log = await spawn(["log", "--json"], { home }).result();
        if (log.code !== 0) failure(`log failed: ${describe(["log", "--json"], log)}`);
        else {
          const st = JSON.parse((await spawn(["status", "--json"], { home }).result()).stdout);
          const entries = (JSON.parse(log.stdout) as unknown[]).length;
          if (entries !== st.log.entries) {
            failure(`log shows ${entries} entries, status counts ${st.log.entries}`);
          }
        }
        await check("closing write");
        for (const e of Deno.readDirSync(home)) if (e.name.endsWith(".tmp")) totals.tmpLeft++;
      };

      await newHome();
      while (totals.kills < KILLS && totals.failures.length === 0) {
        if (step >= STEPS_PER_HOME) await newHome();
        const op = makeOp();
        step++;
        const roll = random();
        const spare = roll < 0.2;
        const delay = spare
          ? Infinity
          : roll < 0.5
          ? typical * (0.6 + 0.45 * random())
          : typical * 1.2 * random();
        const child = spawn(op.args, { home });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const killed = await new Promise<boolean>((resolve) => {
          if (!spare) timer = setTimeout(() => resolve(child.kill("SIGKILL")), delay);
          child.result().then(() => resolve(false));
        });
        clearTimeout(timer);
        const r = await child.result();
        const stats = totals.byKind[op.kind] ??= { kills: 0, confirmed: 0 };
        if (killed && r.signal === "SIGKILL") {
          totals.kills++;
          totals.killDelays.push(delay);
          stats.kills++;
          op.unsure?.(model);
          const present = await check(
            `kill of \`${op.args.join(" ")}\` at ${delay.toFixed(0)} ms`,
            op.probe,
          );
          if (present) totals.durableKilled++;
          continue;
        }
        totals.finished++;
        totals.finishedMs.push(r.ms);
        if (spare) typical = 0.7 * typical + 0.3 * r.ms;
        if (r.code !== 0 || !`\n${r.stdout}`.includes(`\n${op.confirmation}`)) {
          failure(`a writer that was not killed failed: ${describe(op.args, r)}`);
          continue;
        }
        totals.confirmed++;
        stats.confirmed++;
        model.confirmedAny = true;
        op.apply(model);
        await check(`confirmed \`${op.args.join(" ")}\``);
      }
      await finishHome();
    };

    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `crash test: ${totals.kills} kills landed, ${totals.finished} writers finished first ` +
        `(${totals.confirmed} writes confirmed), ${totals.homes} homes, ${totals.checks} checks, ` +
        `${totals.notInitialised} times a killed first write left no home, ` +
        `${totals.durableKilled} killed pref writes had committed anyway; ` +
        `${totals.failures.length === 0 ? "all confirmed writes present" : "FAILURES"} ` +
        `(${seconds.toFixed(1)} s)`,
    );
    console.log(
      `  writers that finished took ${median(totals.finishedMs)?.toFixed(0)} ms (median); ` +
        `kill delays: median ${median(totals.killDelays)?.toFixed(0)} ms, ` +
        `max ${Math.max(...totals.killDelays).toFixed(0)} ms; ` +
        `${totals.tmpLeft} temp files left behind by killed snapshot writes`,
    );
    console.log(
      "  by kind: " +
        Object.entries(totals.byKind).map(([k, s]) => `${k} ${s.kills} kills/${s.confirmed} ok`)
          .join(", "),
    );
    assert.deepEqual(totals.failures, []);
    assert.ok(totals.kills >= KILLS, `${totals.kills} kills`);
    assert.ok(totals.confirmed > 0);
  },
});
