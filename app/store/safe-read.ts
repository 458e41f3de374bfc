/**
 * Reading a file someone else chose (an image, a mask, a COCO or classes file, a model folder, a
 * project): stat first, regular files only (a folder, a FIFO, /dev/zero or a socket is refused at
 * once, never opened for a blocking read or read without end), the size checked against a bound
 * before a byte is read, and every failure a UserError naming the file and the reason.
 * The file is opened non-blocking and checked again on the open handle, so a file swapped for a
 * FIFO between the check and the read does not hang either. See docs/security.md.
 */
import fs from "node:fs";
import { UserError } from "./errors.ts";

const MiB = 1024 * 1024;

/** The largest file read for each purpose, in bytes (docs/security.md lists them). */
export const FILE_LIMITS = {
  /** an image (import, display, training): a 100-megapixel 16-bit RGB TIFF is 600 MiB */
  image: 1024 * MiB,
  /** a mask PNG beside an image */
  mask: 1024 * MiB,
  /** a COCO JSON file (a JavaScript string holds at most ~512 MiB) */
  coco: 500 * MiB,
  /** a classes file (names and colors) */
  classes: 1 * MiB,
  /** model.json or metadata.json of a model folder */
  modelJson: 64 * MiB,
  /** a model folder's weights (Pixelloop's own are a few MiB) */
  weights: 512 * MiB,
  /** a small settings file (recent projects) */
  settings: 1 * MiB,
} as const;

/** A file that cannot be read: `file` and `reason` apart (for lists of skipped files), and both in the message. */
export class FileCheckError extends UserError {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.file = file;
    this.reason = reason;
  }
}

// Opening a FIFO for reading blocks until a writer appears, unless non-blocking (POSIX only;
// Windows has no FIFOs in the file system).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** Why a file system call failed, in words a person acts on. */
export function errnoReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "the file is missing (moved or deleted?)";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a folder, not a file";
    case "ENOTDIR":
      return "a part of the path is not a folder";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "ENAMETOOLONG":
      return "the path is too long";
    case "EMFILE":
    case "ENFILE":
      return "too many open files";
    case "EIO":
      return "input/output error (a damaged disk or a disconnected drive?)";
    default:
      return (e instanceof Error ? e.message : String(e)).split("\n")[0];
  }
}

/** What a file that is not a regular one is ("a FIFO (named pipe)", "a folder"), for messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

export function formatBytes(n: number): string {
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Why a file of this stat is not read, or null: not a regular file, or over `maxBytes`. */
export function refusalReason(st: fs.Stats, maxBytes: number, what: string): string | null {
  if (!st.isFile())
    return st.isDirectory() ? "is a folder, not a file" : `is ${fileKind(st)}, not a regular file`;
  if (st.size > maxBytes)
    return `is ${formatBytes(st.size)}, over the limit of ${formatBytes(maxBytes)} for ${what}`;
  return null;
}

/** The file's stat when it is a regular file within `maxBytes`; a FileCheckError otherwise. */
export function checkFileSync(file: string, maxBytes: number, what: string): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new FileCheckError(file, errnoReason(e));
  }
  const refused = refusalReason(st, maxBytes, what);
  if (refused) throw new FileCheckError(file, refused);
  return st;
}

export async function checkFile(file: string, maxBytes: number, what: string): Promise<fs.Stats> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch (e) {
    throw new FileCheckError(file, errnoReason(e));
  }
  const refused = refusalReason(st, maxBytes, what);
  if (refused) throw new FileCheckError(file, refused);
  return st;
}

/** A regular file's bytes (at most `maxBytes`); a FileCheckError naming the file otherwise. */
export async function readFileChecked(file: string, maxBytes: number, what: string): Promise<Buffer> {
  await checkFile(file, maxBytes, what);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, OPEN_FLAGS);
  } catch (e) {
    throw new FileCheckError(file, errnoReason(e));
  }
  try {
    const st = await fh.stat();
    const refused = refusalReason(st, maxBytes, what);
    if (refused) throw new FileCheckError(file, refused);
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === st.size ? buf : buf.subarray(0, off);
  } catch (e) {
    if (e instanceof FileCheckError) throw e;
    throw new FileCheckError(file, errnoReason(e));
  } finally {
    await fh.close();
  }
}

export function readFileSyncChecked(file: string, maxBytes: number, what: string): Buffer {
  checkFileSync(file, maxBytes, what);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw new FileCheckError(file, errnoReason(e));
  }
  try {
    const st = fs.fstatSync(fd);
    const refused = refusalReason(st, maxBytes, what);
    if (refused) throw new FileCheckError(file, refused);
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === st.size ? buf : buf.subarray(0, off);
  } catch (e) {
    if (e instanceof FileCheckError) throw e;
    throw new FileCheckError(file, errnoReason(e));
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `n` bytes of a regular file (a header), without blocking on a FIFO. */
export function readHeadSync(file: string, n: number, what: string): Buffer {
  checkFileSync(file, Number.MAX_SAFE_INTEGER, what);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw new FileCheckError(file, errnoReason(e));
  }
  try {
    const st = fs.fstatSync(fd);
    const refused = refusalReason(st, Number.MAX_SAFE_INTEGER, what);
    if (refused) throw new FileCheckError(file, refused);
    const buf = Buffer.alloc(n);
    const got = fs.readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } catch (e) {
    if (e instanceof FileCheckError) throw e;
    throw new FileCheckError(file, errnoReason(e));
  } finally {
    fs.closeSync(fd);
  }
}
