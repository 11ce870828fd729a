// Page reference strings: the text files `vmlab run --refs FILE` writes and `vmlab replay`
// reads, and their compact in-memory form.
//
// The file format (README.md, "Replaying reference strings"):
//   - `PID VPN` lines: a decimal process id (0..255) and a hex page number with `0x`
//     (below 2^20), one line each time a user access touches a different page from the user
//     access before it; `PID exit` when that process ends and the kernel frees its frames.
//   - or a plain list of page numbers, decimal or `0x` hex, one per line or separated by
//     commas and/or whitespace, all belonging to one process (pid 0).
//   `#` starts a comment that runs to the end of the line; blank lines are ignored. The first
//   line that holds data decides the form: two fields separated by blanks, the second `exit`
//   or `0x` hex, make it a `PID VPN` file; anything else a plain list.
//
// In memory each entry is one 32-bit page key, so that 10^7 references take 40 MB and the
// replay loops read a single typed array.

import { closeSync, openSync, writeSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { fsReason } from '../util/files.ts';

/** Bits of a page key that hold the virtual page number; the pid sits above them. */
export const REF_VPN_BITS = 20;
export const REF_VPN_LIMIT = 1 << REF_VPN_BITS;
export const REF_MAX_PID = 255;

/**
 * A reference string. `keys[i]` is either a page reference, `(pid << REF_VPN_BITS) | vpn`
 * (always >= 0, below 2^28), or an exit marker `~pid` (always < 0): the process ended and its
 * pages leave memory.
 */
export interface RefString {
  readonly keys: Int32Array;
  /** Number of page references (entries that are not exit markers). */
  readonly references: number;
  /** Which form the source text had. */
  readonly format: 'pid' | 'plain';
}

/** The page key of (pid, vpn). */
export function pageKey(pid: number, vpn: number): number {
  return (pid << REF_VPN_BITS) | vpn;
}

/** The exit marker of `pid`. */
export function exitKey(pid: number): number {
  return ~pid;
}

export function keyPid(key: number): number {
  return key < 0 ? ~key : key >>> REF_VPN_BITS;
}

export function keyVpn(key: number): number {
  return key & (REF_VPN_LIMIT - 1);
}

/** A RefString over given keys (page keys and exit markers), e.g. for tests and tools. */
export function refsFromKeys(keys: ArrayLike<number>, format: 'pid' | 'plain' = 'pid'): RefString {
  const k = Int32Array.from(keys);
  let references = 0;
  for (let i = 0; i < k.length; i++) if (k[i]! >= 0) references++;
  return { keys: k, references, format };
}

/** Distinct pages (pid, vpn) and processes that a reference string mentions. */
export function describeRefs(refs: RefString): { references: number; exits: number; pages: number; processes: number } {
  const pages = new Set<number>();
  const pids = new Set<number>();
  for (const k of refs.keys) {
    if (k >= 0) pages.add(k);
    pids.add(keyPid(k));
  }
  return { references: refs.references, exits: refs.keys.length - refs.references, pages: pages.size, processes: pids.size };
}

// --- Parsing -------------------------------------------------------------------------------

const CH_TAB = 9, CH_LF = 10, CH_CR = 13, CH_SPACE = 32, CH_COMMA = 44;
const CH_0 = 48, CH_9 = 57, CH_X = 120, CH_X_UPPER = 88;

/** Token value for a field that is not a number. */
const NOT_A_NUMBER = -1;
/** Token value for a number too large for any field (the digits are still valid). */
const TOO_LARGE = -2;

/** Hex digit value of a char code, or -1. */
function hexDigit(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  const l = c | 0x20; // ASCII letters to lower case
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * The value of text[s, e) read as decimal digits or as `0x` followed by hex digits; the
 * caller guarantees e > s. Returns NOT_A_NUMBER for anything else and TOO_LARGE above 2^31.
 */
function parseNumber(text: string, s: number, e: number): number {
  let v = 0;
  if (e - s > 2 && text.charCodeAt(s) === CH_0 && (text.charCodeAt(s + 1) | 0x20) === CH_X) {
    for (let i = s + 2; i < e; i++) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) return NOT_A_NUMBER;
      v = v * 16 + d;
    }
  } else {
    for (let i = s; i < e; i++) {
      const c = text.charCodeAt(i);
      if (c < CH_0 || c > CH_9) return NOT_A_NUMBER;
      v = v * 10 + (c - CH_0);
    }
  }
  return v > 0x7fffffff ? TOO_LARGE : v;
}

function isHexLiteral(text: string, s: number, e: number): boolean {
  const x = text.charCodeAt(s + 1);
  return e - s > 2 && text.charCodeAt(s) === CH_0 && (x === CH_X || x === CH_X_UPPER);
}

function isExitWord(text: string, s: number, e: number): boolean {
  return e - s === 4 && text.startsWith('exit', s);
}

function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_CR;
}

/** Growable Int32Array. */
class KeyBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(1024, capacity));
  }
  push(k: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = k;
  }
  done(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Parses a reference string (either form, see the top of this file). Every problem is a
 * UserError `FILE:LINE: message`, naming the first bad line.
 */
export function parseRefs(text: string, fileName: string): RefString {
  // A line of the pid form needs at least 6 characters; a plain list at least 2 per page.
  const out = new KeyBuffer(Math.min(text.length >> 2, 1 << 22));
  let format: 'pid' | 'plain' | undefined;
  let references = 0;
  let lineNo = 0;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark some editors write
  const n = text.length;
  // The next '#' at or after pos (n when there is none), found once per comment, not per line.
  let hashAt = -1;
  const fail = (msg: string): never => {
    throw new UserError(`${fileName}:${lineNo}: ${msg}`);
  };
  const field = (s: number, e: number) => JSON.stringify(text.slice(s, Math.min(e, s + 40)));

  while (pos < n) {
    lineNo++;
    const begin = pos;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const next = end + 1;
    if (hashAt < pos) {
      hashAt = text.indexOf('#', pos);
      if (hashAt < 0) hashAt = n;
    }
    if (hashAt < end) end = hashAt;

    // Fields of this line: the first two are kept for the pid form's checks.
    let s0 = -1, e0 = -1, s1 = -1, e1 = -1, count = 0, comma = false;
    let i = pos;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (isBlank(c)) { i++; continue; }
      if (c === CH_COMMA) { comma = true; i++; continue; }
      const s = i;
      while (i < end) {
        const d = text.charCodeAt(i);
        if (isBlank(d) || d === CH_COMMA) break;
        i++;
      }
      if (format === 'plain') {
        const v = parseNumber(text, s, i);
        if (v === NOT_A_NUMBER) {
          fail(isExitWord(text, s, i)
            ? `"exit" in a plain list of pages (a PID VPN file must start with a "PID 0xVPN" line)`
            : `${field(s, i)} is not a page number (decimal or 0x hex)`);
        }
        if (v === TOO_LARGE || v >= REF_VPN_LIMIT) fail(`page number ${field(s, i)} is not below 2^${REF_VPN_BITS}`);
        out.push(v);
        references++;
      } else if (count === 0) { s0 = s; e0 = i; }
      else if (count === 1) { s1 = s; e1 = i; }
      count++;
    }
    pos = next;
    if (format === 'plain' || count === 0) continue;

    if (format === undefined) {
      const pidLike = count === 2 && !comma && parseNumber(text, s0, e0) >= 0 && !isHexLiteral(text, s0, e0) &&
        (isExitWord(text, s1, e1) || isHexLiteral(text, s1, e1));
      if (!pidLike) {
        // A plain list: go back and read this line again as one.
        format = 'plain';
        pos = begin;
        lineNo--;
        continue;
      }
      format = 'pid';
    }

    // The pid form: exactly `PID 0xVPN` or `PID exit`.
    if (count !== 2 || comma) fail('expected "PID VPN" or "PID exit" (a decimal pid, then 0x hex or "exit")');
    const pid = isHexLiteral(text, s0, e0) ? NOT_A_NUMBER : parseNumber(text, s0, e0);
    if (pid === NOT_A_NUMBER) fail(`${field(s0, e0)} is not a decimal process id`);
    if (pid === TOO_LARGE || pid > REF_MAX_PID) fail(`process id ${field(s0, e0)} is above ${REF_MAX_PID}`);
    if (isExitWord(text, s1, e1)) {
      out.push(exitKey(pid));
      continue;
    }
    const vpn = isHexLiteral(text, s1, e1) ? parseNumber(text, s1, e1) : NOT_A_NUMBER;
    if (vpn === NOT_A_NUMBER) fail(`${field(s1, e1)} is not a page number in 0x hex, nor "exit"`);
    if (vpn === TOO_LARGE || vpn >= REF_VPN_LIMIT) fail(`page number ${field(s1, e1)} is not below 2^${REF_VPN_BITS}`);
    out.push(pageKey(pid, vpn));
    references++;
  }
  return { keys: out.done(), references, format: format ?? 'pid' };
}

/**
 * Text of a RefString in the form it came from, entry for entry (no deduplication). A plain
 * list is written one page per line; it has no exit markers (only the pid form has those).
 */
export function formatRefs(refs: RefString): string {
  const lines: string[] = [];
  for (const k of refs.keys) {
    if (refs.format === 'plain' && k >= 0) lines.push(String(keyVpn(k)));
    else lines.push(k < 0 ? `${~k} exit` : `${keyPid(k)} 0x${keyVpn(k).toString(16)}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

// --- Writing (the emulator's side) ---------------------------------------------------------

const HEX = '0123456789abcdef';
/** The longest line: "255 0xfffff\n". */
const MAX_LINE = 12;

/**
 * Streams a `PID VPN` reference string to a file descriptor through a buffer, so that the
 * emulator can record every page change without allocating: `access` formats digits straight
 * into the buffer, which goes to the descriptor in chunks.
 *
 * `access(pid, vpn)` records a user access unless it is on the same page as the previous user
 * access (by any process); `exit(pid)` records the end of a process. `close()` flushes, and
 * closes the descriptor if the writer opened it.
 */
export class RefsWriter {
  private readonly buf: Buffer;
  private pos = 0;
  private lastKey = -1;
  private closed = false;
  /** Lines written: page references and exits. */
  lines = 0;

  constructor(
    private readonly fd: number,
    private readonly ownsFd = false,
    bufferSize = 1 << 16,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(bufferSize, 64));
    this.ascii('# vmlab page reference string: PID VPN (hex), or PID exit\n');
  }

  /** A writer on a new file at `path` (created or truncated); a UserError if it cannot. */
  static open(path: string): RefsWriter {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (e) {
      throw new UserError(`cannot write ${path}: ${fsReason(e)}`);
    }
    return new RefsWriter(fd, true);
  }

  /** A user access by `pid` (0..255) to page `vpn` (below 2^20). */
  access(pid: number, vpn: number): void {
    const key = pageKey(pid, vpn);
    if (key === this.lastKey) return;
    if (pid >>> 0 > REF_MAX_PID || vpn >>> 0 >= REF_VPN_LIMIT) throw new Error(`RefsWriter: bad page ${pid}:${vpn}`);
    this.lastKey = key;
    if (this.pos + MAX_LINE > this.buf.length) this.flush();
    this.decimal(pid);
    const b = this.buf;
    b[this.pos++] = CH_SPACE;
    b[this.pos++] = CH_0;
    b[this.pos++] = CH_X;
    let shift = 16;
    while (shift > 0 && vpn >>> shift === 0) shift -= 4;
    for (; shift >= 0; shift -= 4) b[this.pos++] = HEX.charCodeAt((vpn >>> shift) & 15);
    b[this.pos++] = CH_LF;
    this.lines++;
  }

  /** Process `pid` ended; its pages leave memory. */
  exit(pid: number): void {
    if (pid >>> 0 > REF_MAX_PID) throw new Error(`RefsWriter: bad pid ${pid}`);
    // A page of a new process with a reused pid must be recorded even if the key repeats.
    this.lastKey = -1;
    if (this.pos + MAX_LINE > this.buf.length) this.flush();
    this.decimal(pid);
    this.ascii(' exit\n');
    this.lines++;
  }

  /** Writes out the buffer. */
  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
  }

  private decimal(v: number): void {
    const b = this.buf;
    if (v >= 100) b[this.pos++] = CH_0 + ((v / 100) | 0);
    if (v >= 10) b[this.pos++] = CH_0 + (((v / 10) | 0) % 10);
    b[this.pos++] = CH_0 + (v % 10);
  }

  private ascii(s: string): void {
    if (this.pos + s.length > this.buf.length) this.flush();
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }
}
