// The machine's command-line options, defined once for every command that builds a machine
// (run, debug, sweep, bench): memory, TLB, page-table levels, disk, limits, seed, every timing
// figure, and the statistics outputs. addMachineOptions() declares them on a commander
// command; machineConfig() turns the parsed values into a validated MachineConfig.
//
// Every bad value is one line naming the option. On the command line every problem with the
// options themselves is a usage error (exit 2): a bad value from the parsers below, and a bad
// combination from the check that addMachineOptions() runs before the command's action.
// machineConfig() makes the same checks for callers outside commander (a UserError).

import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEVICE_BASE_PA } from '../arch/memmap.ts';
import { DEFAULT_LEVELS, GEOMETRIES, PAGE_SIZE } from '../arch/pte.ts';
import { DEFAULT_TIMING, type Timing } from '../arch/timing.ts';
import type { MachineConfig } from '../machine/machine.ts';
import { TlbPolicy, validateTlbConfig, type TlbConfig } from '../machine/mmu/tlb.ts';
import { UserError } from '../util/errors.ts';
import { failUsage, parseIntOption, parseSizeOption } from './options.ts';

export const DEFAULT_MEM = 16 * 1024 * 1024;
export const DEFAULT_TLB_ENTRIES = 64;
export const DEFAULT_SEED = 1;
export const DEFAULT_DISK_BLOCKS = 256;
/** Timing figures are limited so that the CPU's per-pass counters stay 32-bit integers. */
const MAX_COST = 1 << 20;
const MAX_LATENCY = 2 ** 31 - 1;

/** The parsed option values (commander's camelCase keys). */
export interface MachineOptionValues {
  mem?: number;
  /** A number of entries, or false for --no-tlb. */
  tlb?: number | false;
  tlbWays?: number;
  tlbPolicy?: string;
  tlbSplit?: boolean;
  levels?: number;
  diskLatency?: number;
  diskFile?: string;
  diskBlocks?: number;
  diskJitter?: number;
  diskErrorRate?: number;
  maxCycles?: number;
  seed?: number;
  cyclesAlu?: number;
  cyclesMul?: number;
  cyclesDiv?: number;
  cyclesLoad?: number;
  cyclesStore?: number;
  cyclesBranch?: number;
  cyclesBranchTaken?: number;
  cyclesJump?: number;
  cyclesSystem?: number;
  pteRead?: number;
  pteWrite?: number;
  trapEntry?: number;
  cyclesTlbMiss?: number;
  stats?: boolean;
  statsJson?: string;
  checkTlb?: boolean;
  blocks?: boolean;
}

/** Timing options: option name, the Timing field it sets, what it prices. */
const TIMING_OPTIONS: readonly (readonly [string, keyof MachineOptionValues, string])[] = [
  ['--cycles-alu', 'cyclesAlu', 'ALU instructions and lui'],
  ['--cycles-mul', 'cyclesMul', 'mul, mulh, mulhu'],
  ['--cycles-div', 'cyclesDiv', 'div, divu, rem, remu'],
  ['--cycles-load', 'cyclesLoad', 'loads'],
  ['--cycles-store', 'cyclesStore', 'stores'],
  ['--cycles-branch', 'cyclesBranch', 'branches'],
  ['--cycles-branch-taken', 'cyclesBranchTaken', 'a taken branch, on top of --cycles-branch'],
  ['--cycles-jump', 'cyclesJump', 'jal, jalr'],
  ['--cycles-system', 'cyclesSystem', 'system instructions'],
  ['--cycles-tlb-miss', 'cyclesTlbMiss', 'a TLB miss, on top of its walk'],
  ['--pte-read', 'pteRead', 'each PTE read by the walker'],
  ['--pte-write', 'pteWrite', 'each PTE written back to set A/D'],
  ['--trap-entry', 'trapEntry', 'entering a trap'],
];

function defaultCost(key: keyof MachineOptionValues): number {
  const t = DEFAULT_TIMING;
  switch (key) {
    case 'cyclesAlu': return t.classes.alu;
    case 'cyclesMul': return t.classes.mul;
    case 'cyclesDiv': return t.classes.div;
    case 'cyclesLoad': return t.classes.load;
    case 'cyclesStore': return t.classes.store;
    case 'cyclesBranch': return t.classes.branch;
    case 'cyclesBranchTaken': return t.branchTaken;
    case 'cyclesJump': return t.classes.jump;
    case 'cyclesSystem': return t.classes.system;
    case 'cyclesTlbMiss': return t.tlbMiss;
    case 'pteRead': return t.pteRead;
    case 'pteWrite': return t.pteWrite;
    case 'trapEntry': return t.trapEntry;
    default: throw new Error(`no default cost for ${key}`);
  }
}

function parseProbability(name: string): (text: string) => number {
  return (text: string) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1)
      throw new InvalidArgumentError(`${name} must be a probability from 0 to 1, got '${text}'`);
    return v;
  };
}

export interface MachineOptionSet {
  /** Include --stats / --stats-json (commands that report a run). Default true. */
  stats?: boolean;
  /** Default for --mem (run with a kernel may want another). */
  defaultMem?: number;
}

/** Declare the machine options on `cmd`. */
export function addMachineOptions(cmd: Command, set: MachineOptionSet = {}): Command {
  const mem = set.defaultMem ?? DEFAULT_MEM;
  cmd
    .option('--mem <bytes>', `RAM size (e.g. 16M, 65536) (default: ${mem / 1024 / 1024}M)`, parseSizeOption('--mem', PAGE_SIZE, DEVICE_BASE_PA))
    .option('--tlb <entries>', `TLB entries (default: ${DEFAULT_TLB_ENTRIES})`, parseIntOption('--tlb', 1, 1 << 20))
    .option('--no-tlb', 'no TLB: every user-space access walks the page tables')
    .option('--tlb-ways <n>', 'TLB associativity: 1 = direct-mapped (default: entries, fully associative)', parseIntOption('--tlb-ways', 1, 1 << 20))
    .addOption(new Option('--tlb-policy <policy>', 'TLB replacement policy (default: lru)').choices(Object.values(TlbPolicy)))
    .option('--tlb-split', 'separate instruction and data TLBs, each of --tlb entries')
    .option('--levels <n>', `page-table levels, 1-4 (default: ${DEFAULT_LEVELS})`, parseIntOption('--levels', 1, 4))
    .option('--disk-latency <cycles>', `cycles from a disk command to its completion (default: ${DEFAULT_TIMING.diskLatency})`, parseIntOption('--disk-latency', 1, MAX_LATENCY))
    .option('--disk-latency-jitter, --disk-jitter <cycles>', 'each transfer takes latency ± a seeded random amount up to this (default: 0)', parseIntOption('--disk-jitter', 0, MAX_LATENCY))
    .option('--disk-errors, --disk-error-rate <p>', 'probability that a transfer fails with STATUS 3 (seeded) (default: 0)', parseProbability('--disk-error-rate'))
    .option('--disk-file <path>', 'back the disk with this host file (created if missing) instead of memory')
    .option('--disk-blocks <n>', `disk size in 4 KiB blocks (default: ${DEFAULT_DISK_BLOCKS}, or the file's size)`, parseIntOption('--disk-blocks', 0, 1 << 20))
    .option('--max-cycles <n>', 'stop after this many cycles (default: no limit)', parseIntOption('--max-cycles', 1))
    .option('--seed <n>', `seed for every random choice: TLB random replacement, disk jitter and errors (default: ${DEFAULT_SEED})`, parseIntOption('--seed', 0, 0xffffffff));
  for (const [flag, key, what] of TIMING_OPTIONS) {
    cmd.option(`${flag} <cycles>`, `cycles for ${what} (default: ${defaultCost(key)})`, parseIntOption(flag, 0, MAX_COST));
  }
  cmd.option('--check-tlb', 'report every use of a stale TLB entry (slower: turns the fast paths off)');
  cmd.option('--no-blocks', 'run every instruction in the interpreter loop: no compiled blocks (same counts, slower)');
  if (set.stats !== false) {
    cmd
      .option('--stats', 'print statistics to stderr at the end')
      .option('--stats-json <file>', "write statistics as JSON to this file at the end ('-': stdout, after the program's output)");
  }
  const tlbFlags = watchTlbFlags(cmd);
  cmd.hook('preAction', (c) => {
    const bad = tlbFlags.problem(c.opts<TlbOptionValues>()) ?? machineOptionsProblem(c.opts<MachineOptionValues>());
    if (bad !== undefined) failUsage(c, bad);
  });
  return cmd;
}

/** The TLB options as commander parses them (run, debug, demo and bench share them). */
export interface TlbOptionValues {
  /** A number of entries, or false for --no-tlb. */
  tlb?: number | false;
  tlbWays?: number;
  tlbPolicy?: string;
  tlbSplit?: boolean;
}

/**
 * Watches `cmd`'s --tlb and --no-tlb as they are parsed. Commander stores both in one value, the
 * last one given winning, so `--no-tlb --tlb 8` and `--tlb 8 --no-tlb` would silently differ;
 * problem() refuses --no-tlb next to any option that describes a TLB, whatever the order. Call
 * once per command, after its TLB options are declared; problem() is for the preAction hook
 * and forgets what it saw (one parse, one check).
 */
export function watchTlbFlags(cmd: Command): { problem(o: TlbOptionValues): string | undefined } {
  let sawTlb = false;
  let sawNoTlb = false;
  cmd.on('option:tlb', () => (sawTlb = true));
  cmd.on('option:no-tlb', () => (sawNoTlb = true));
  return {
    problem(o) {
      const noTlb = sawNoTlb || o.tlb === false;
      const given = [
        ...(sawTlb ? ['--tlb'] : []),
        ...(o.tlbWays !== undefined ? ['--tlb-ways'] : []),
        ...(o.tlbPolicy !== undefined ? ['--tlb-policy'] : []),
        ...(o.tlbSplit === true ? ['--tlb-split'] : []),
      ];
      sawTlb = false;
      sawNoTlb = false;
      if (!noTlb || given.length === 0) return undefined;
      return `--no-tlb cannot be combined with ${given.join(', ')} (there is no TLB to configure)`;
    },
  };
}

/**
 * The first problem with a combination of machine option values that no single option's parser
 * can see (a TLB that cannot be built, RAM that is not whole pages), or undefined.
 */
export function machineOptionsProblem(o: MachineOptionValues, defaults: { mem?: number } = {}): string | undefined {
  const ramBytes = o.mem ?? defaults.mem ?? DEFAULT_MEM;
  if (ramBytes % PAGE_SIZE !== 0) return `--mem must be a multiple of ${PAGE_SIZE} bytes, got ${ramBytes}`;
  if (o.tlb === false) {
    if (o.tlbWays !== undefined || o.tlbPolicy !== undefined || o.tlbSplit === true)
      return '--no-tlb cannot be combined with --tlb-ways, --tlb-policy or --tlb-split';
    return undefined;
  }
  const entries = o.tlb ?? DEFAULT_TLB_ENTRIES;
  const bad = validateTlbConfig({ entries, ways: o.tlbWays ?? entries, policy: (o.tlbPolicy ?? TlbPolicy.LRU) as TlbPolicy, seed: o.seed ?? DEFAULT_SEED });
  return bad === undefined ? undefined : `--tlb/--tlb-ways/--tlb-policy: ${bad}`;
}

/**
 * The MachineConfig the options describe (defaults for everything not given). Throws a
 * UserError naming the option for combinations the parsers cannot check alone (see
 * machineOptionsProblem; on the command line the preAction check has refused them already).
 */
export function machineConfig(o: MachineOptionValues, defaults: { mem?: number } = {}): MachineConfig {
  const bad = machineOptionsProblem(o, defaults);
  if (bad !== undefined) throw new UserError(bad);
  const ramBytes = o.mem ?? defaults.mem ?? DEFAULT_MEM;
  const seed = o.seed ?? DEFAULT_SEED;
  let tlb: TlbConfig | null = null;
  if (o.tlb !== false) {
    const entries = o.tlb ?? DEFAULT_TLB_ENTRIES;
    tlb = { entries, ways: o.tlbWays ?? entries, policy: (o.tlbPolicy ?? TlbPolicy.LRU) as TlbPolicy, seed };
  }
  const levels = (o.levels ?? DEFAULT_LEVELS) as 1 | 2 | 3 | 4;
  const cost = (k: keyof MachineOptionValues) => (o[k] as number | undefined) ?? defaultCost(k);
  const timing: Timing = {
    classes: {
      alu: cost('cyclesAlu'),
      mul: cost('cyclesMul'),
      div: cost('cyclesDiv'),
      load: cost('cyclesLoad'),
      store: cost('cyclesStore'),
      branch: cost('cyclesBranch'),
      jump: cost('cyclesJump'),
      system: cost('cyclesSystem'),
    },
    branchTaken: cost('cyclesBranchTaken'),
    pteRead: cost('pteRead'),
    pteWrite: cost('pteWrite'),
    trapEntry: cost('trapEntry'),
    tlbMiss: cost('cyclesTlbMiss'),
    diskLatency: o.diskLatency ?? DEFAULT_TIMING.diskLatency,
  };
  return {
    ramBytes,
    geometry: GEOMETRIES[levels],
    tlb,
    tlbSplit: o.tlbSplit === true,
    timing,
    seed,
    maxCycles: o.maxCycles ?? 0,
    disk: {
      ...(o.diskFile !== undefined ? { file: o.diskFile } : {}),
      blocks: o.diskBlocks ?? (o.diskFile !== undefined ? 0 : DEFAULT_DISK_BLOCKS),
      jitter: o.diskJitter ?? 0,
      errorRate: o.diskErrorRate ?? 0,
    },
    checkTlb: o.checkTlb === true,
    blocks: o.blocks !== false,
  };
}
