// Renders asm/lib/machine.s: every number the kernel and the user library need, as `.equ`
// lines generated from the names in src/arch (and SegFlag in src/exe/types.ts), so that the
// assembly never re-types a number the TypeScript side names. test/kernel-defs.test.ts checks the
// committed file equals this rendering (VMLAB_UPDATE_DOCS=1 rewrites it).

import { Csr, Irq, Status } from '../arch/csr.ts';
import {
  BOOT_BLOCK_VERSION, BOOT_MAGIC, BootBlock, ConsoleReg, Dev, DIR_MAGIC, Dir, DiskCmd, DiskReg, DiskStatus, FaultWhy,
  KernelHalt, KILL_WHY_SHIFT, KillReason, KSEG_BASE, MonitorEvent, MonitorReg, PageSource,
  ReplacePolicy, Syscall, USER_TOP,
} from '../arch/memmap.ts';
import { MmuCfg, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Pte } from '../arch/pte.ts';
import { Cause } from '../arch/traps.ts';
import { SegFlag } from '../exe/types.ts';

/** Where the rendering lives, relative to the package root. */
export const MACHINE_DEFS_FILE = 'asm/lib/machine.s';

type Format = 'dec' | 'hex';

interface Group {
  title: string;
  /** Prefix added to each key (upper-cased). */
  prefix: string;
  values: Readonly<Record<string, number>>;
  format: Format;
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).toUpperCase().padStart(n >>> 0 > 0xffff ? 8 : 1, '0');
}

/** The text of asm/lib/machine.s. Deterministic: same src/arch, same bytes. */
export function renderMachineDefs(): string {
  const groups: Group[] = [
    { title: 'Control registers (csrr/csrw also accept the bare names)', prefix: 'CSR_', values: Csr, format: 'dec' },
    { title: 'STATUS bits', prefix: 'STATUS_', values: Status, format: 'hex' },
    { title: 'Interrupt lines: bits of IP and IM', prefix: 'IRQ_', values: Irq, format: 'hex' },
    { title: 'Trap causes (the CAUSE register)', prefix: 'CAUSE_', values: Cause, format: 'dec' },
    { title: 'Page-table entry bits', prefix: 'PTE_', values: Pte, format: 'hex' },
    {
      title: 'Pages and the address map',
      prefix: '',
      values: { PAGE_SIZE, PAGE_SHIFT, PAGE_MASK, KSEG_BASE, USER_TOP },
      format: 'hex',
    },
    {
      title: 'MMUCFG fields: levels in bits 2:0; level l index width at INDEX_SHIFT + INDEX_FIELD * l',
      prefix: 'MMUCFG_',
      values: MmuCfg,
      format: 'dec',
    },
    {
      title: 'Device pages, as kernel virtual addresses',
      prefix: '',
      values: {
        CONSOLE_BASE: Dev.CONSOLE + KSEG_BASE,
        DISK_BASE: Dev.DISK + KSEG_BASE,
        MONITOR_BASE: Dev.MONITOR + KSEG_BASE,
      },
      format: 'hex',
    },
    { title: 'Console registers (offsets)', prefix: 'CONSOLE_', values: ConsoleReg, format: 'hex' },
    { title: 'Disk registers (offsets)', prefix: 'DISK_', values: DiskReg, format: 'hex' },
    { title: 'Disk commands', prefix: 'DISK_CMD_', values: DiskCmd, format: 'dec' },
    { title: 'Disk status', prefix: 'DISK_STATUS_', values: DiskStatus, format: 'dec' },
    { title: 'Monitor registers (offsets)', prefix: 'MON_', values: MonitorReg, format: 'hex' },
    { title: 'Monitor events', prefix: 'EV_', values: MonitorEvent, format: 'dec' },
    { title: 'Where a page came from (PAGE_IN, A3)', prefix: 'SRC_', values: PageSource, format: 'dec' },
    { title: 'Why the kernel ended a process (PROC_FAIL, A1)', prefix: 'KILL_', values: KillReason, format: 'dec' },
    {
      title: 'Why an access broke its region\'s rules (PROC_KILL, A1 bits from WHY_SHIFT)',
      prefix: 'WHY_',
      values: { ...FaultWhy, SHIFT: KILL_WHY_SHIFT },
      format: 'dec',
    },
    { title: "The kernel's halt status", prefix: 'HALT_', values: KernelHalt, format: 'dec' },
    { title: 'Page replacement policies (boot block POLICY)', prefix: 'REPLACE_', values: ReplacePolicy, format: 'dec' },
    {
      title: 'The boot block: byte offsets, and its magic',
      prefix: 'BOOT_',
      values: { ...BootBlock, MAGIC_VALUE: BOOT_MAGIC, VERSION_VALUE: BOOT_BLOCK_VERSION },
      format: 'dec',
    },
    {
      title: 'The disk directory: byte offsets, and its magic',
      prefix: 'DIR_',
      values: { ...Dir, MAGIC_VALUE: DIR_MAGIC },
      format: 'dec',
    },
    { title: 'Segment flags in the directory (PTE R/W/X shifted down by one)', prefix: 'SEGFLAG_', values: SegFlag, format: 'dec' },
    { title: 'System call numbers (in t0)', prefix: 'SYS_', values: Syscall, format: 'dec' },
  ];

  const out: string[] = [
    '# asm/lib/machine.s: the machine\'s numbers, by name.',
    '#',
    '# Generated from src/arch by src/os/machine-defs.ts; do not edit. To regenerate:',
    '#   VMLAB_UPDATE_DOCS=1 npx vitest run --config test/vitest.config.ts test/kernel-defs.test.ts',
    '# The kernel and asm/lib/user.s include it; a program includes user.s, not this file.',
  ];
  for (const g of groups) {
    out.push('', `# ${g.title}`);
    const names = Object.keys(g.values).map((k) => g.prefix + k.toUpperCase());
    const width = Math.max(...names.map((n) => n.length)) + 1;
    Object.entries(g.values).forEach(([k, v], i) => {
      // Shift amounts read best in decimal, masks and addresses in hex.
      const asHex = (g.format === 'hex' && !k.endsWith('SHIFT')) || v >>> 0 > 0xffff;
      const text = asHex ? hex(v) : String(v);
      out.push(`.equ ${(names[i] + ',').padEnd(width + 1)}${text}`);
    });
  }
  return out.join('\n') + '\n';
}
