// Reading and writing the user's files with one-line errors. Every failure is a UserError naming
// the file and the reason in plain words ("no such file", "is a directory"), never a raw
// ENOENT with a stack trace.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { UserError } from './errors.ts';

/** Plain words for the errno codes a user can cause. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  ERR_FS_FILE_TOO_LARGE: 'file too large',
};

/** "no such file or directory" for an fs error, else its message. */
export function fsReason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && REASONS[code] !== undefined) return REASONS[code];
  return e instanceof Error ? e.message : String(e);
}

/**
 * The bytes of a regular file. Throws UserError `cannot read PATH: REASON` when it is missing,
 * unreadable, a directory or not a regular file (a device or a FIFO could block or never end).
 */
export function readFileChecked(path: string): Uint8Array {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`cannot read ${path}: is a directory`);
    if (!st.isFile()) throw new UserError(`cannot read ${path}: not a regular file`);
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read ${path}: ${fsReason(e)}`);
  }
}

/** Writes data to path; throws UserError `cannot write PATH: REASON` on failure. */
export function writeFileChecked(path: string, data: Uint8Array | string): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new UserError(`cannot write ${path}: ${fsReason(e)}`);
  }
}
