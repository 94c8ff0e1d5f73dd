/**
 * @module newer_release
 * What a refusal adds when an entry holds something this release does not
 * read — an op it does not know, a field past the ones it knows — which is
 * most often an entry a newer release wrote, not a damaged or hostile one.
 * Releases before this one said only "unknown op" or "has no more fields"
 * (a review of a mixed mesh, 2026-12-06): the user of the older device was
 * not told that updating it is the way out.
 */

/** Appended, in parentheses, to such a refusal's reason. */
export const NEWER_RELEASE = "written by a newer mycel? Update mycel on this device";
