/**
 * @module file_url
 * `file:` URL to path (POSIX), without pulling in a path library.
 */

/** The local path of a `file:` URL. */
export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}
