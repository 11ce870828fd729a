// Offline replay of a page reference string under textbook replacement policies: how many
// page faults would `frames` physical frames take under FIFO, LRU, OPT, CLOCK or RANDOM?
//
// The model (README.md, "Replaying reference strings"):
//   - Every reference to a page that is not resident is a fault, cold misses included.
//   - Free frames are used before anything is evicted, the lowest-numbered free frame first.
//   - An exit marker frees every frame of that process: they become free frames, and leave
//     the FIFO/LRU queue, the CLOCK ring and the OPT heap.
//   - fifo evicts the page loaded earliest; lru the page referenced least recently.
//   - opt evicts the page whose next use is farthest away. A page whose process exits before
//     it is used again is never used again; such pages go first, the least recently used of
//     them first. Every page's rank is then distinct, so the choice is unique.
//   - clock: one reference bit per frame and a hand over the frames 0..F-1. A reference (and
//     a load) sets the bit; a fault with no free frame clears bits under the hand, advancing,
//     until the hand reaches a clear bit; that frame's page is replaced, its bit set, and the
//     hand moves one frame on.
//   - random evicts frame `prng.below(F)`, with a fresh Prng(seed) per run.
//
// Each policy has a fast simulation (dense page ids, typed arrays, O(1) per reference, or
// O(log F) for opt) and a plain reference model (`simulateReference`, arrays and linear
// scans) that the tests compare it with on random strings.

import { Prng } from '../util/prng.ts';
import { keyPid, type RefString } from './refs-format.ts';

export const POLICIES = ['fifo', 'lru', 'opt', 'clock', 'random'] as const;
export type Policy = (typeof POLICIES)[number];

export function isPolicy(s: string): s is Policy {
  return (POLICIES as readonly string[]).includes(s);
}

/** Seed of the random policy when none is given. */
export const DEFAULT_REPLAY_SEED = 1;

export interface ReplayResult {
  policy: Policy;
  frames: number;
  /** Page references replayed (exit markers excluded). */
  references: number;
  /** References to a page that was not resident. */
  faults: number;
  /** Faults that had to evict a page (no free frame). */
  evictions: number;
  /** References to a resident page. */
  hits: number;
}

// --- Preparation shared by every run on one string ------------------------------------------

/** A reference string recoded for the simulators. */
interface Prepared {
  /** Per entry: a dense page id 0..pages-1, or ~pid for an exit marker (< 0). */
  ids: Int32Array;
  pages: number;
  /** The pid of each page id. */
  pidOf: Uint8Array;
  references: number;
  /** First references to a page in its process's lifetime: faults no policy avoids. */
  compulsory: number;
  /** For opt, computed on first use: see nextUses(). */
  nextUse?: Int32Array;
}

const prepared = new WeakMap<RefString, Prepared>();

/**
 * Dense ids for page keys (< 2^28) by open addressing with linear probing; the table is
 * kept at most half full, so a lookup touches about two slots.
 */
function densify(keys: Int32Array): { ids: Int32Array; pages: number; pidOf: Uint8Array } {
  let bits = 10;
  let table = new Int32Array(1 << bits).fill(-1); // key per slot, -1 empty
  let vals = new Int32Array(1 << bits);
  let pidOf = new Uint8Array(256);
  let pages = 0;
  const ids = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k < 0) {
      ids[i] = k;
      continue;
    }
    const mask = (1 << bits) - 1;
    let h = Math.imul(k, 0x9e3779b1) >>> (32 - bits);
    while (table[h] !== k && table[h] !== -1) h = (h + 1) & mask;
    if (table[h] === k) {
      ids[i] = vals[h]!;
      continue;
    }
    table[h] = k;
    vals[h] = pages;
    if (pages === pidOf.length) {
      const p = new Uint8Array(pages * 2);
      p.set(pidOf);
      pidOf = p;
    }
    pidOf[pages] = keyPid(k);
    ids[i] = pages++;
    if (pages * 2 > 1 << bits) {
      // Grow: rehash every key into a table twice the size.
      const oldT = table, oldV = vals;
      bits++;
      table = new Int32Array(1 << bits).fill(-1);
      vals = new Int32Array(1 << bits);
      const m = (1 << bits) - 1;
      for (let j = 0; j < oldT.length; j++) {
        const kk = oldT[j]!;
        if (kk === -1) continue;
        let hh = Math.imul(kk, 0x9e3779b1) >>> (32 - bits);
        while (table[hh] !== -1) hh = (hh + 1) & m;
        table[hh] = kk;
        vals[hh] = oldV[j]!;
      }
    }
  }
  return { ids, pages, pidOf: pidOf.slice(0, pages) };
}

function prepare(refs: RefString): Prepared {
  let p = prepared.get(refs);
  if (p) return p;
  const { ids, pages, pidOf } = densify(refs.keys);
  // A page is cold when not seen in its process's current lifetime: seenIn[id] holds the
  // lifetime (1-based) of the pid in which it was last seen.
  const lifetime = new Int32Array(256).fill(1);
  const seenIn = new Int32Array(pages);
  let compulsory = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0) {
      lifetime[~id]!++;
      continue;
    }
    const life = lifetime[pidOf[id]!]!;
    if (seenIn[id] !== life) {
      seenIn[id] = life;
      compulsory++;
    }
  }
  p = { ids, pages, pidOf, references: refs.references, compulsory };
  prepared.set(refs, p);
  return p;
}

/** No next use in the page's lifetime. */
const NEVER = -1;

/**
 * nextUse[i] for a reference i: the index of the next reference to the same page before its
 * process next exits, or NEVER. Computed backwards: nextExit[pid] is the index of the next
 * exit marker of pid, and a later reference beyond it belongs to another lifetime.
 */
function nextUses(p: Prepared): Int32Array {
  if (p.nextUse) return p.nextUse;
  const { ids, pidOf } = p;
  const n = ids.length;
  const next = new Int32Array(n);
  const seen = new Int32Array(p.pages).fill(NEVER);
  const nextExit = new Int32Array(256).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    const id = ids[i]!;
    if (id < 0) {
      nextExit[~id] = i;
      next[i] = NEVER;
      continue;
    }
    const s = seen[id]!;
    next[i] = s !== NEVER && s < nextExit[pidOf[id]!]! ? s : NEVER;
    seen[id] = i;
  }
  p.nextUse = next;
  return next;
}

// --- Frame bookkeeping shared by the fast simulators ----------------------------------------

/**
 * Free frames as a stack kept in descending order, so pop() yields the lowest-numbered one.
 * Frames only become free at start and at exits, where the stack is rebuilt by a scan.
 */
class FreeFrames {
  readonly stack: Int32Array;
  top: number;
  constructor(frames: number) {
    this.stack = new Int32Array(frames);
    for (let f = 0; f < frames; f++) this.stack[f] = frames - 1 - f;
    this.top = frames;
  }
  /** Rebuilds the stack from the frames whose page (pageIn) is -1. */
  rebuild(pageIn: Int32Array): void {
    this.top = 0;
    for (let f = pageIn.length - 1; f >= 0; f--) if (pageIn[f] === -1) this.stack[this.top++] = f;
  }
}

/**
 * Frees every frame that holds a page of `pid` (frameOf and pageIn both updated); calls
 * `removed(frame)` for each so the policy can drop it from its own structure. Returns whether
 * any frame was freed.
 */
function freeProcess(
  pid: number, pidOf: Uint8Array, frameOf: Int32Array, pageIn: Int32Array, removed: (f: number) => void,
): boolean {
  let any = false;
  for (let f = 0; f < pageIn.length; f++) {
    const id = pageIn[f]!;
    if (id >= 0 && pidOf[id] === pid) {
      frameOf[id] = -1;
      pageIn[f] = -1;
      removed(f);
      any = true;
    }
  }
  return any;
}

interface Counts {
  faults: number;
  evictions: number;
}

/**
 * fifo and lru: a doubly linked list of frames, oldest first, circular through a sentinel
 * node numbered `frames`. fifo appends on load; lru also moves a frame to the end on a hit.
 */
function runList(p: Prepared, frames: number, lru: boolean): Counts {
  const { ids, pidOf } = p;
  const frameOf = new Int32Array(p.pages).fill(-1);
  const pageIn = new Int32Array(frames).fill(-1);
  const prev = new Int32Array(frames + 1);
  const next = new Int32Array(frames + 1);
  const S = frames; // sentinel: next[S] is the oldest frame, prev[S] the newest
  prev[S] = next[S] = S;
  const free = new FreeFrames(frames);
  const unlink = (f: number) => {
    next[prev[f]!] = next[f]!;
    prev[next[f]!] = prev[f]!;
  };
  let faults = 0, evictions = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0) {
      if (freeProcess(~id, pidOf, frameOf, pageIn, unlink)) free.rebuild(pageIn);
      continue;
    }
    let f = frameOf[id]!;
    if (f >= 0) {
      if (!lru || prev[S] === f) continue;
      unlink(f);
    } else {
      faults++;
      if (free.top > 0) f = free.stack[--free.top]!;
      else {
        f = next[S]!;
        unlink(f);
        frameOf[pageIn[f]!] = -1;
        evictions++;
      }
      pageIn[f] = id;
      frameOf[id] = f;
    }
    // Append f as the newest.
    const last = prev[S]!;
    next[last] = f;
    prev[f] = last;
    next[f] = S;
    prev[S] = f;
  }
  return { faults, evictions };
}

/** clock: see the top of the file. */
function runClock(p: Prepared, frames: number): Counts {
  const { ids, pidOf } = p;
  const frameOf = new Int32Array(p.pages).fill(-1);
  const pageIn = new Int32Array(frames).fill(-1);
  const bit = new Uint8Array(frames);
  const free = new FreeFrames(frames);
  const clearBit = (f: number) => {
    bit[f] = 0;
  };
  let hand = 0, faults = 0, evictions = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0) {
      if (freeProcess(~id, pidOf, frameOf, pageIn, clearBit)) free.rebuild(pageIn);
      continue;
    }
    let f = frameOf[id]!;
    if (f < 0) {
      faults++;
      if (free.top > 0) f = free.stack[--free.top]!;
      else {
        // Every frame is full here, so the hand always lands on a page.
        while (bit[hand] !== 0) {
          bit[hand] = 0;
          if (++hand === frames) hand = 0;
        }
        f = hand;
        if (++hand === frames) hand = 0;
        frameOf[pageIn[f]!] = -1;
        evictions++;
      }
      pageIn[f] = id;
      frameOf[id] = f;
    }
    bit[f] = 1;
  }
  return { faults, evictions };
}

/** random: the victim is frame prng.below(frames). */
function runRandom(p: Prepared, frames: number, seed: number): Counts {
  const { ids, pidOf } = p;
  const frameOf = new Int32Array(p.pages).fill(-1);
  const pageIn = new Int32Array(frames).fill(-1);
  const free = new FreeFrames(frames);
  const prng = new Prng(seed);
  const nothing = () => {};
  let faults = 0, evictions = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0) {
      if (freeProcess(~id, pidOf, frameOf, pageIn, nothing)) free.rebuild(pageIn);
      continue;
    }
    if (frameOf[id]! >= 0) continue;
    faults++;
    let f: number;
    if (free.top > 0) f = free.stack[--free.top]!;
    else {
      f = prng.below(frames);
      frameOf[pageIn[f]!] = -1;
      evictions++;
    }
    pageIn[f] = id;
    frameOf[id] = f;
  }
  return { faults, evictions };
}

/**
 * A max-heap of frames by rank, indexed (at[frame] = heap position, -1 when out) so that a
 * frame's rank can rise and a frame can leave at an exit, each in O(log F).
 */
class FrameHeap {
  readonly heap: Int32Array;
  readonly at: Int32Array;
  readonly rank: Float64Array;
  size = 0;
  constructor(frames: number) {
    this.heap = new Int32Array(frames);
    this.at = new Int32Array(frames).fill(-1);
    this.rank = new Float64Array(frames);
  }
  insert(f: number, r: number): void {
    this.rank[f] = r;
    this.heap[this.size] = f;
    this.at[f] = this.size;
    this.up(this.size++);
  }
  /** Sets a larger rank for a frame in the heap. */
  raise(f: number, r: number): void {
    this.rank[f] = r;
    this.up(this.at[f]!);
  }
  /** Replaces the top frame's rank (the top frame gets a new page). */
  replaceTop(r: number): void {
    this.rank[this.heap[0]!] = r;
    this.down(0);
  }
  remove(f: number): void {
    const k = this.at[f]!;
    this.at[f] = -1;
    const last = this.heap[--this.size]!;
    if (k === this.size) return;
    this.heap[k] = last;
    this.at[last] = k;
    this.down(k);
    this.up(this.at[last]!);
  }
  private up(k: number): void {
    const { heap, at, rank } = this;
    const f = heap[k]!;
    const r = rank[f]!;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const pf = heap[parent]!;
      if (rank[pf]! >= r) break;
      heap[k] = pf;
      at[pf] = k;
      k = parent;
    }
    heap[k] = f;
    at[f] = k;
  }
  private down(k: number): void {
    const { heap, at, rank, size } = this;
    const f = heap[k]!;
    const r = rank[f]!;
    for (;;) {
      let c = 2 * k + 1;
      if (c >= size) break;
      if (c + 1 < size && rank[heap[c + 1]!]! > rank[heap[c]!]!) c++;
      const cf = heap[c]!;
      if (rank[cf]! <= r) break;
      heap[k] = cf;
      at[cf] = k;
      k = c;
    }
    heap[k] = f;
    at[f] = k;
  }
}

/**
 * opt. A resident page's rank after its reference at i is its next use, or 2n - i when it has
 * none (larger than any index, and larger for older references): the heap's top is the victim.
 */
function runOpt(p: Prepared, frames: number): Counts {
  const { ids, pidOf } = p;
  const nextUse = nextUses(p);
  const n = ids.length;
  const frameOf = new Int32Array(p.pages).fill(-1);
  const pageIn = new Int32Array(frames).fill(-1);
  const heap = new FrameHeap(frames);
  const free = new FreeFrames(frames);
  const leave = (f: number) => heap.remove(f);
  let faults = 0, evictions = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (id < 0) {
      if (freeProcess(~id, pidOf, frameOf, pageIn, leave)) free.rebuild(pageIn);
      continue;
    }
    const nu = nextUse[i]!;
    const rank = nu === NEVER ? 2 * n - i : nu;
    const f = frameOf[id]!;
    if (f >= 0) {
      heap.raise(f, rank);
      continue;
    }
    faults++;
    if (free.top > 0) {
      const g = free.stack[--free.top]!;
      pageIn[g] = id;
      frameOf[id] = g;
      heap.insert(g, rank);
    } else {
      const g = heap.heap[0]!;
      frameOf[pageIn[g]!] = -1;
      pageIn[g] = id;
      frameOf[id] = g;
      heap.replaceTop(rank);
      evictions++;
    }
  }
  return { faults, evictions };
}

function checkFrames(frames: number): void {
  if (!Number.isSafeInteger(frames) || frames < 1) throw new RangeError(`frames must be a positive integer, not ${frames}`);
}

/** Replays `refs` with `frames` frames under `policy` (fast simulation). */
export function simulate(refs: RefString, policy: Policy, frames: number, seed = DEFAULT_REPLAY_SEED): ReplayResult {
  checkFrames(frames);
  const p = prepare(refs);
  // With a frame per distinct page nothing is ever evicted, whatever the policy: more
  // frames than that change nothing, so they need not be allocated.
  const f = Math.min(frames, Math.max(p.pages, 1));
  let c: Counts;
  switch (policy) {
    case 'fifo': c = runList(p, f, false); break;
    case 'lru': c = runList(p, f, true); break;
    case 'clock': c = runClock(p, f); break;
    case 'random': c = runRandom(p, f, seed); break;
    case 'opt': c = runOpt(p, f); break;
    default: throw new Error(`unknown policy ${String(policy)}`);
  }
  return { policy, frames, references: p.references, faults: c.faults, evictions: c.evictions, hits: p.references - c.faults };
}

/** Faults that every policy takes whatever the number of frames (first touches per lifetime). */
export function compulsoryFaults(refs: RefString): number {
  return prepare(refs).compulsory;
}

export interface RefsSummary {
  references: number;
  /** Exit markers. */
  exits: number;
  /** Distinct (pid, vpn) pages. */
  pages: number;
  /** Distinct pids, exits included. */
  processes: number;
  compulsory: number;
}

/** What describeRefs() tells, plus the compulsory faults, from the replay's own recoding. */
export function refsSummary(refs: RefString): RefsSummary {
  const p = prepare(refs);
  const pids = new Uint8Array(256);
  for (let id = 0; id < p.pages; id++) pids[p.pidOf[id]!] = 1;
  for (let i = 0; i < p.ids.length; i++) if (p.ids[i]! < 0) pids[~p.ids[i]!] = 1;
  return {
    references: p.references,
    exits: p.ids.length - p.references,
    pages: p.pages,
    processes: pids.reduce((a, b) => a + b, 0),
    compulsory: p.compulsory,
  };
}

// --- The reference model -------------------------------------------------------------------

interface SlowFrame {
  key: number;
  loadedAt: number;
  usedAt: number;
  bit: boolean;
}

/**
 * The same model as simulate(), written plainly: an array of frames (null when free), linear
 * scans for the victim, and for opt a forward scan of the string at each eviction. For tests.
 */
export function simulateReference(refs: RefString, policy: Policy, frames: number, seed = DEFAULT_REPLAY_SEED): ReplayResult {
  checkFrames(frames);
  const keys = Array.from(refs.keys);
  const n = keys.length;
  const mem: (SlowFrame | null)[] = new Array<SlowFrame | null>(frames).fill(null);
  const prng = new Prng(seed);
  let hand = 0, faults = 0, evictions = 0, references = 0;

  // Index of the next reference to `key` after i before its process exits, or -1.
  const nextUseOf = (key: number, i: number): number => {
    for (let j = i + 1; j < n; j++) {
      if (keys[j] === key) return j;
      if (keys[j]! < 0 && ~keys[j]! === keyPid(key)) return -1;
    }
    return -1;
  };

  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    if (key < 0) {
      for (let f = 0; f < frames; f++) if (mem[f] && keyPid(mem[f]!.key) === ~key) mem[f] = null;
      continue;
    }
    references++;
    const hit = mem.findIndex((m) => m !== null && m.key === key);
    if (hit >= 0) {
      mem[hit]!.usedAt = i;
      mem[hit]!.bit = true;
      continue;
    }
    faults++;
    let f = mem.indexOf(null);
    if (f < 0) {
      evictions++;
      const all = mem as SlowFrame[];
      switch (policy) {
        case 'fifo':
          f = argBest(all, (m) => -m.loadedAt);
          break;
        case 'lru':
          f = argBest(all, (m) => -m.usedAt);
          break;
        case 'opt':
          f = argBest(all, (m) => {
            const nu = nextUseOf(m.key, i);
            return nu < 0 ? 2 * n - m.usedAt : nu;
          });
          break;
        case 'clock':
          while (all[hand]!.bit) {
            all[hand]!.bit = false;
            hand = (hand + 1) % frames;
          }
          f = hand;
          hand = (hand + 1) % frames;
          break;
        case 'random':
          f = prng.below(frames);
          break;
      }
    }
    mem[f] = { key, loadedAt: i, usedAt: i, bit: true };
  }
  return { policy, frames, references, faults, evictions, hits: references - faults };
}

/** Index of the frame with the largest score (the first one on a tie). */
function argBest(mem: SlowFrame[], score: (m: SlowFrame) => number): number {
  let best = 0;
  for (let f = 1; f < mem.length; f++) if (score(mem[f]!) > score(mem[best]!)) best = f;
  return best;
}

// --- Grids ---------------------------------------------------------------------------------

export interface ReplayGrid {
  policies: Policy[];
  frames: number[];
  /** results[row][col]: frames[row] under policies[col]. */
  results: ReplayResult[][];
  references: number;
  compulsory: number;
  seed: number;
}

export interface GridOptions {
  seed?: number;
  /** Called after each simulation with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Frame counts for a grid: an inclusive span, or an explicit list. */
export type FrameRange = { from: number; to: number } | readonly number[];

/** The frame counts a FrameRange names, in order. */
export function frameCounts(range: FrameRange): number[] {
  let frames: number[];
  if ('from' in range) {
    checkFrames(range.from);
    checkFrames(range.to);
    frames = [];
    for (let f = range.from; f <= range.to; f++) frames.push(f);
  } else {
    frames = [...range];
    frames.forEach(checkFrames);
  }
  return frames;
}

/** Replays every policy at every frame count of `range` (rows: frames; columns: policies). */
export function replayGrid(
  refs: RefString, policies: readonly Policy[], range: FrameRange, opts: GridOptions = {},
): ReplayGrid {
  const frames = frameCounts(range);
  const seed = opts.seed ?? DEFAULT_REPLAY_SEED;
  const total = frames.length * policies.length;
  let done = 0;
  const results = frames.map((f) =>
    policies.map((pol) => {
      const r = simulate(refs, pol, f, seed);
      opts.onProgress?.(++done, total);
      return r;
    }),
  );
  return { policies: [...policies], frames, results, references: refs.references, compulsory: compulsoryFaults(refs), seed };
}
