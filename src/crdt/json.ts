/**
 * @module json
 * JSON values as stored in CRDTs, their validation (values arrive from other
 * devices, so nothing is trusted) and a canonical text form with sorted keys,
 * used for deterministic tie-breaks and state digests.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  /** Any key maps to a JSON value. */
  [key: string]: Json;
}

/** Deepest nesting accepted from anyone; keeps recursion bounded. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `x` is a plain JSON value: finite numbers, plain objects and
 * arrays only, at most {@link MAX_JSON_DEPTH} levels deep.
 */
export function isJson(x: unknown, depth = 0): x is Json {
  if (x === null || typeof x === "boolean" || typeof x === "string") return true;
  if (typeof x === "number") return Number.isFinite(x);
  if (depth >= MAX_JSON_DEPTH || typeof x !== "object") return false;
  if (Array.isArray(x)) {
    // A loop rather than `every`, which skips the holes of a sparse array.
    for (let i = 0; i < x.length; i++) if (!(i in x) || !isJson(x[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  // `__proto__` does not survive every codec unchanged; refuse it outright.
  if (Object.hasOwn(x, "__proto__")) return false;
  return Object.values(x as Record<string, unknown>).every((v) => isJson(v, depth + 1));
}

/** True when `x` is a JSON object (not an array, not null). */
export function isJsonObject(x: unknown): x is JsonObject {
  return typeof x === "object" && x !== null && !Array.isArray(x) && isJson(x);
}

/**
 * Canonical JSON text: object keys sorted by code unit, no whitespace.
 * Equal values give equal text, whatever order their keys were inserted in.
 */
export function canonicalJson(value: Json | undefined): string {
  if (value === undefined) return "";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}
