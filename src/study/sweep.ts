// `vmlab sweep`: the whole machine — the kernel and the programs — run once per point of a grid,
// in parallel worker threads, and what each run measured.
//
// The grid (README.md, "Sweeps"):
// - faults: every frame count x every replacement policy, all with the same TLB (SweepSpec.tlb);
// - TLB sizes (when asked for): every size, at the largest frame count and the first policy.
// A run that is a point of both is run once. Each fifo run of the fault grid can also record
// its own reference string (in memory) and replay it offline under textbook FIFO (replay.ts):
// the kernel's FIFO should take exactly as many faults as the replay.
//
// runSweepTask() runs one point; it is what a worker (sweep-worker.ts) calls. runSweep() hands
// the points to `jobs` workers (or runs them here, in order, with no worker file) and collects
// the results in grid order, whatever order they finish in. Every run is deterministic, so the
// result does not depend on the number of workers.

import { Worker } from 'node:worker_threads';
import type { ReplacePolicyName } from '../arch/memmap.ts';
import { machineConfig, type MachineOptionValues } from '../cli/machine-options.ts';
import type { Executable } from '../exe/types.ts';
import type { StopReason } from '../machine/machine.ts';
import { runWithKernel, type KernelOptions } from '../os/boot.ts';
import type { ProcessStatus } from '../os/processes.ts';
import { UserError } from '../util/errors.ts';
import { RefKeys, refsTracer } from './refs-recorder.ts';
import { simulate } from './replay.ts';

export interface SweepSpec {
  /** The programs, as paths for names and as executables (assembled once, by the caller). */
  programs: { path: string; exe: Executable }[];
  /** The kernel to boot. */
  kernel: Executable;
  /** Frame counts of the fault grid, ascending. */
  frames: number[];
  /** Replacement policies of the fault grid. */
  policies: ReplacePolicyName[];
  /** TLB entries of the fault grid's runs. */
  tlb: number;
  /** TLB sizes of the TLB table (run at the largest frame count and the first policy); [] for none. */
  tlbSizes: number[];
  /** Everything else about the machine (the `tlb` field is replaced per run). */
  machine: MachineOptionValues;
  /** Everything else about the kernel (frames and replace are set per run). */
  kernelOptions: Omit<KernelOptions, 'frames' | 'replace'>;
  /** Record the fifo runs' reference strings and replay them offline. */
  replay: boolean;
}

/** One point of the grid. */
export interface SweepTask {
  id: number;
  frames: number;
  policy: ReplacePolicyName;
  tlb: number;
  /** Record the reference string and replay it under fifo. */
  refs: boolean;
}

/** What one run measured. */
export interface SweepRun extends SweepTask {
  /** `vmlab run`'s exit status for this run (0: every process exited 0). */
  exitCode: number;
  stop: StopReason;
  cycles: number;
  instructions: number;
  /** Page-fault traps (as --stats counts them). */
  pageFaults: number;
  /**
   * Pages the kernel brought in (its PAGE_IN reports): one per fault it served, and one per page
   * its `write` brought in without a trap (it checks the caller's buffer before reading it).
   * This is what a replay of the reference string counts as faults.
   */
  pagesIn: number;
  tlbHits: number;
  tlbMisses: number;
  tlbHitRate: number;
  walks: number;
  /** The stats' average cycles per load or store (all of them, kernel ones included). */
  avgCyclesPerAccess: number;
  /** Cycles charged for TLB misses and walks. */
  translationCycles: number;
  /** User-space accesses: TLB lookups (every fetch, load and store to user space is one). */
  userAccesses: number;
  /** translationCycles / userAccesses: what translation adds to a user-space access, on average. */
  translationPerAccess: number;
  diskReads: number;
  diskWrites: number;
  processes: { pid: number; name: string; status: ProcessStatus; exitCode: number | null; pageFaults: number }[];
  /** With refs: the reference string's length and the faults of its offline FIFO replay. */
  replay: { references: number; faults: number } | null;
}

export interface SweepResult {
  spec: Pick<SweepSpec, 'frames' | 'policies' | 'tlb' | 'tlbSizes' | 'replay'> & { programs: string[] };
  /** faults[row][col]: frames[row] under policies[col]. */
  grid: SweepRun[][];
  /** One run per TLB size, in the order given; [] when no sizes were given. */
  tlbRuns: SweepRun[];
  /** The frame count and policy of the TLB runs. */
  tlbFrames: number;
  tlbPolicy: ReplacePolicyName;
}

const taskKey = (frames: number, policy: string, tlb: number) => `${frames}/${policy}/${tlb}`;

/** The runs a spec needs, each once: the fault grid row by row, then the TLB sizes not in it. */
export function sweepTasks(spec: SweepSpec): SweepTask[] {
  const tasks: SweepTask[] = [];
  const seen = new Set<string>();
  const add = (frames: number, policy: ReplacePolicyName, tlb: number, refs: boolean) => {
    const k = taskKey(frames, policy, tlb);
    if (seen.has(k)) return;
    seen.add(k);
    tasks.push({ id: tasks.length, frames, policy, tlb, refs });
  };
  for (const f of spec.frames) for (const p of spec.policies) add(f, p, spec.tlb, spec.replay && p === 'fifo');
  const f = spec.frames[spec.frames.length - 1]!;
  for (const t of spec.tlbSizes) add(f, spec.policies[0]!, t, false);
  return tasks;
}

/**
 * Runs one point of the grid to its end (console output dropped) and returns what it
 * measured. Throws UserError for a configuration the loader refuses (too much RAM, say).
 */
export function runSweepTask(spec: SweepSpec, task: SweepTask): SweepRun {
  const cfg = machineConfig({ ...spec.machine, tlb: task.tlb });
  const kopts: KernelOptions = { ...spec.kernelOptions, frames: task.frames, replace: task.policy };
  let keys: RefKeys | null = null;
  const r = runWithKernel(spec.programs, kopts, cfg, { consoleOut: () => {} }, spec.kernel, (m) => {
    if (!task.refs) return;
    keys = new RefKeys();
    m.setTracer(refsTracer(m, keys));
  });
  r.machine.disk?.close();
  const s = r.stats;
  const lookups = s.tlb.hits + s.tlb.misses;
  let replay: SweepRun['replay'] = null;
  if (keys !== null) {
    const refs = (keys as RefKeys).refs();
    replay = { references: refs.references, faults: simulate(refs, 'fifo', task.frames).faults };
  }
  return {
    ...task,
    exitCode: r.exitCode,
    stop: r.stop.reason,
    cycles: s.cycles,
    instructions: s.instructions,
    pageFaults: s.pageFaults,
    pagesIn: r.processes.reduce((n, p) => n + p.pagesIn.zero + p.pagesIn.executable + p.pagesIn.swap, 0),
    tlbHits: s.tlb.hits,
    tlbMisses: s.tlb.misses,
    tlbHitRate: s.tlb.hitRate,
    walks: s.walks,
    avgCyclesPerAccess: s.avgCyclesPerAccess,
    translationCycles: s.translationCycles.total,
    userAccesses: lookups,
    translationPerAccess: lookups === 0 ? 0 : s.translationCycles.total / lookups,
    diskReads: s.disk.reads,
    diskWrites: s.disk.writes,
    processes: r.processes.map((p) => ({ pid: p.pid, name: p.name, status: p.status, exitCode: p.exitCode, pageFaults: p.pageFaults })),
    replay,
  };
}

/** Messages between runSweep and a worker. */
export type ToWorker = { task: SweepTask };
export type FromWorker = { id: number; run: SweepRun } | { id: number; error: string; user: boolean };

export interface SweepOptions {
  /** Worker threads; 0 runs every point here, one after the other. */
  jobs: number;
  /** The worker script (dist/sweep-worker.js); required when jobs > 0. */
  workerFile?: string | URL;
  /** Called after each run with (runs done, runs in all). */
  onProgress?: (done: number, total: number) => void;
}

/** Runs the grid and arranges the results (see SweepResult). */
export async function runSweep(spec: SweepSpec, opts: SweepOptions): Promise<SweepResult> {
  if (spec.frames.length === 0 || spec.policies.length === 0) throw new UserError('a sweep needs at least one frame count and one policy');
  const tasks = sweepTasks(spec);
  const runs = opts.jobs > 0 ? await runInWorkers(spec, tasks, opts) : runHere(spec, tasks, opts);
  const byKey = new Map(runs.map((r) => [taskKey(r.frames, r.policy, r.tlb), r]));
  const get = (f: number, p: string, t: number) => byKey.get(taskKey(f, p, t))!;
  const tlbFrames = spec.frames[spec.frames.length - 1]!;
  const tlbPolicy = spec.policies[0]!;
  return {
    spec: {
      programs: spec.programs.map((p) => p.path),
      frames: spec.frames,
      policies: spec.policies,
      tlb: spec.tlb,
      tlbSizes: spec.tlbSizes,
      replay: spec.replay,
    },
    grid: spec.frames.map((f) => spec.policies.map((p) => get(f, p, spec.tlb))),
    tlbRuns: spec.tlbSizes.map((t) => get(tlbFrames, tlbPolicy, t)),
    tlbFrames,
    tlbPolicy,
  };
}

function runHere(spec: SweepSpec, tasks: SweepTask[], opts: SweepOptions): SweepRun[] {
  return tasks.map((t, i) => {
    const r = runSweepTask(spec, t);
    opts.onProgress?.(i + 1, tasks.length);
    return r;
  });
}

/**
 * Hands the tasks to min(jobs, tasks) workers, one at a time each (the next goes to whichever
 * finishes first). A UserError in a run rejects with that message; anything else a worker
 * throws, or a worker that dies, rejects as an internal error. Every worker is ended either way.
 */
function runInWorkers(spec: SweepSpec, tasks: SweepTask[], opts: SweepOptions): Promise<SweepRun[]> {
  if (opts.workerFile === undefined) throw new Error('runSweep: jobs > 0 needs a worker file');
  const file = opts.workerFile;
  const n = Math.max(1, Math.min(opts.jobs, tasks.length));
  const results: SweepRun[] = new Array(tasks.length);
  let next = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(e);
    };
    /** Workers ended on purpose (nothing left to give them): their exit is no failure. */
    const retired = new Set<Worker>();
    const feed = (w: Worker) => {
      if (next < tasks.length) {
        w.postMessage({ task: tasks[next++]! } satisfies ToWorker);
      } else {
        retired.add(w);
        void w.terminate();
      }
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(file, { workerData: { spec } });
      workers.push(w);
      w.on('message', (msg: FromWorker) => {
        if (failed) return;
        if ('error' in msg) {
          fail(msg.user ? new UserError(msg.error) : new Error(`sweep worker: ${msg.error}`));
          return;
        }
        results[msg.id] = msg.run;
        done++;
        opts.onProgress?.(done, tasks.length);
        if (done === tasks.length) {
          for (const x of workers) retired.add(x);
          for (const x of workers) void x.terminate();
          resolve(results);
        } else feed(w);
      });
      w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
      w.on('exit', (code) => {
        if (!retired.has(w) && !failed) fail(new Error(`sweep worker stopped (exit code ${code}) with runs left`));
      });
      feed(w);
    }
  });
}
