/**
 * @module version
 * mycel's version (kept equal to package.json's by a test).
 */

/** The version printed by `mycel --version`. */
export const VERSION = "0.1.0";
