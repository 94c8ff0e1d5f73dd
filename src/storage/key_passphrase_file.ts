/**
 * @module key_passphrase_file
 * Reading `MYCEL_PASSPHRASE_FILE` (key_passphrase.ts): a regular file owned
 * by this user, root, or (as root) the user whose home this is, unreadable
 * by group and others, 4 KiB at most, one trailing newline dropped. Root
 * reads it through one descriptor, never through a link (see {@link lookThroughFd}).
 */

import { MycelError } from "../errors.ts";

const MAX_FILE = 4096;

function fileError(path: string, reason: string, hint: string): MycelError {
  return new MycelError("passphrase_file", "read passphrase file", reason, {
    value: path,
    hint,
  });
}

/**
 * Read the passphrase file at `path`, refusing one others could read, or
 * one of another user than the caller, root, or `owner` (as root: the user
 * whose home this is, `SUDO_UID` / `MYCEL_HOME_OWNER`, whose system units run
 * as them and so read their own file).
 */
export async function readPassphraseFile(path: string, owner?: number): Promise<string> {
  let file: LookedAt;
  try {
    file = Deno.uid() === 0 ? await lookThroughFd(path) : await lookByName(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || (e as { code?: string }).code === "ENOENT") {
      throw fileError(path, "the file does not exist", "Point MYCEL_PASSPHRASE_FILE at the file.");
    }
    if ((e as { code?: string }).code === "ELOOP") {
      throw fileError(
        path,
        "it is a symbolic link, which root does not follow",
        "Point MYCEL_PASSPHRASE_FILE at the file itself.",
      );
    }
    if (
      e instanceof Deno.errors.PermissionDenied ||
      ["EACCES", "EPERM"].includes((e as { code?: string }).code ?? "")
    ) {
      throw fileError(path, "permission denied", "Run mycel as the user who owns the file.");
    }
    throw e;
  }
  try {
    const { info } = file;
    if (!info.isFile) {
      throw fileError(path, "it is not a regular file", "Point it at a file.");
    }
    const mode = (info.mode ?? 0) & 0o777;
    if ((mode & 0o077) !== 0) {
      throw fileError(
        path,
        `it is readable by others (mode ${mode.toString(8).padStart(4, "0")})`,
        `Run \`chmod 600 ${path}\`.`,
      );
    }
    const uid = Deno.uid();
    if (uid !== null && info.uid !== uid && info.uid !== 0 && info.uid !== owner) {
      throw fileError(path, "it belongs to another user", "Use a file you own (mode 0600).");
    }
    if (info.size > MAX_FILE) {
      throw fileError(path, `it is over ${MAX_FILE} bytes`, "Put only the passphrase in it.");
    }
    let text: string;
    try {
      text = await file.read();
    } catch (e) {
      throw fileError(path, (e as Error).name, "Check the file.");
    }
    const value = text.replace(/\r?\n$/, "");
    if (value === "") throw fileError(path, "it is empty", "Put the passphrase in it.");
    return value;
  } finally {
    file.close();
  }
}

/** A passphrase file looked at: what it is, and how to read it. */
interface LookedAt {
  info: { isFile: boolean; mode: number | null; uid: number | null; size: number };
  read(): Promise<string>;
  close(): void;
}

/** By name: the caller reads its own (or root's) file, which nobody else can swap. */
async function lookByName(path: string): Promise<LookedAt> {
  const info = await Deno.stat(path);
  return { info, read: () => Deno.readTextFile(path), close: () => {} };
}

/** Linux's O_PATH (node:fs names no constant for it): a descriptor of the name, nothing opened. */
const O_PATH = 0o10000000;

/**
 * Root, through one descriptor: the file may be the home's owner's (system
 * units' `mesh up`, sudo), who can swap it after a check by name for a FIFO
 * (the read then waited forever, and with it every round of the units) or a
 * link to a device (/dev/zero: read to the end). So the name is looked up
 * once, and what the checks look at is what is read, MAX_FILE bytes at most.
 * Never through a link at its name (O_NOFOLLOW): root followed one, read a
 * root-only 0600 file it named as the passphrase (root's own files are
 * accepted) and opened the device it named. On Linux the descriptor is an
 * O_PATH one, which opens nothing: only a regular file is then opened, through
 * it (/proc/self/fd), so a device reached through a folder on the way the
 * owner made a link is never opened either — opening some acts by itself
 * (/dev/watchdog arms a reset of the machine once closed unstopped). Found by
 * a review. node:fs (Deno opens no O_PATH, O_NOFOLLOW or O_NONBLOCK) is
 * loaded only here.
 */
async function lookThroughFd(path: string): Promise<LookedAt> {
  const fs = await import("node:fs");
  const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;
  const linux = Deno.build.os === "linux";
  const fd = fs.openSync(path, O_NOFOLLOW | (linux ? O_PATH : O_RDONLY | O_NONBLOCK));
  try {
    const st = fs.fstatSync(fd);
    // O_PATH with O_NOFOLLOW gives the link itself rather than ELOOP.
    if (st.isSymbolicLink()) throw Object.assign(new Error("a symbolic link"), { code: "ELOOP" });
    const info = { isFile: st.isFile(), mode: st.mode, uid: st.uid, size: st.size };
    // Called only once `info` says a regular file (readPassphraseFile).
    const read = async () => {
      const buf = new Uint8Array(MAX_FILE + 1);
      let n = 0;
      if (linux) {
        using file = await Deno.open(`/proc/self/fd/${fd}`, { read: true });
        while (n < buf.length) {
          const got = await file.read(buf.subarray(n));
          if (got === null) break;
          n += got;
        }
      } else {
        for (let got = 1; got > 0 && n < buf.length; n += got) {
          got = fs.readSync(fd, buf, n, buf.length - n, null);
        }
      }
      if (n > MAX_FILE) throw new RangeError(`over ${MAX_FILE} bytes`);
      return new TextDecoder().decode(buf.subarray(0, n));
    };
    return { info, read, close: () => fs.closeSync(fd) };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}
