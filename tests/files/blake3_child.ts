/**
 * @module blake3_child
 * Child process of blake3_test.ts: prints whether wasm SIMD is available and
 * the chunk-id BLAKE3 of the official vectors' 1025-byte input (the runtime
 * flags of the run decide which build hashes).
 */

import { simdAvailable } from "../../src/files/blake3.ts";
import { blake3Hex } from "../../src/files/chunk_hash.ts";

const bytes = new Uint8Array(1025).map((_, i) => i % 251);
console.log(JSON.stringify({ simd: simdAvailable(), hash: await blake3Hex(bytes) }));
