# syscall.s: the system calls (asm/README.md, "The kernel's interface"). The number is in the
# saved t0, the arguments in the saved a0-a2; the result goes to the saved a0, and the pc moves
# past the `syscall`. Every path ends in schedule.

.data
.align 4
# Handlers by syscall number, from SYS_EXIT (1) to SYS_YIELD.
sys_table:  .word sys_exit, sys_write, sys_sbrk, sys_getpid, sys_yield
.equ SYS_LAST, SYS_YIELD

.text

# on_syscall: s0 = the current PCB (from trap_entry).
on_syscall:
    lw   t0, PCB_T0(s0)
    li   t1, SYS_EXIT
    bltu t0, t1, .unknown
    li   t1, SYS_LAST
    bgtu t0, t1, .unknown
    addi t0, t0, -SYS_EXIT
    slli t0, t0, WORD_SHIFT
    la   t1, sys_table
    add  t1, t1, t0
    lw   t1, 0(t1)
    jr   t1
.unknown:
    li   a0, -1
    j    sys_return

# sys_return: the syscall is done with result a0: store it, step past the `syscall`, report
# EV_SYSCALL (pid, number, result), and schedule.
sys_return:
    sw   a0, PCB_A0(s0)
    lw   t0, PCB_PC(s0)
    addi t0, t0, INSN_SIZE
    sw   t0, PCB_PC(s0)
    mv   a2, a0
    lw   a0, PCB_PID(s0)
    lw   a1, PCB_T0(s0)
    li   t0, EV_SYSCALL
    call monitor
    j    schedule

# exit(status): the process ends (PROC_EXIT); the others go on.
sys_exit:
    mv   a0, s0
    lw   a1, PCB_A0(s0)
    call proc_exit
    j    schedule

# getpid(): the pid.
sys_getpid:
    lw   a0, PCB_PID(s0)
    j    sys_return

# yield(): 0; the process goes to the back of the round robin, so another ready one runs first.
sys_yield:
    mv   a0, s0
    call make_ready
    li   a0, 0
    j    sys_return

# sbrk(increment): move the break by a signed number of bytes; return the old break, or -1 if
# the new one would be below the heap start or above the heap limit. Pages wholly above a
# lower break are released (page_release), so the heap grows back as zeros.
sys_sbrk:
    lw   t0, PCB_A0(s0)             # t0 = increment
    lw   s1, PCB_BRK(s0)            # s1 = old break
    add  s2, s1, t0                 # s2 = new break
    bltz t0, .shrink
    bltu s2, s1, .fail              # wrapped around
    lw   t1, PCB_HEAP_LIMIT(s0)
    bgtu s2, t1, .fail
    j    .set
.shrink:
    bgtu s2, s1, .fail              # wrapped around
    lw   t1, PCB_HEAP_START(s0)
    bltu s2, t1, .fail
    # Release the pages in [new break rounded up, old break rounded up).
    addi s3, s2, PAGE_MASK
    srli s3, s3, PAGE_SHIFT
    slli s3, s3, PAGE_SHIFT         # s3 = first page to release
    addi s1, s1, PAGE_MASK
    srli s1, s1, PAGE_SHIFT
    slli s1, s1, PAGE_SHIFT         # s1 = end of the pages to release
.release:
    bgeu s3, s1, .released
    mv   a0, s0
    mv   a1, s3
    call page_release
    li   t0, PAGE_SIZE
    add  s3, s3, t0
    j    .release
.released:
    lw   s1, PCB_BRK(s0)            # the old break again: it is the result
.set:
    sw   s2, PCB_BRK(s0)
    sw   zero, PCB_REGION_END(s0)   # the heap's end moved: region_find forgets its last region
    mv   a0, s1
    j    sys_return
.fail:
    li   a0, -1
    j    sys_return

# write(fd, buf, len): print len bytes from buf on the console; return len.
#   fd must be 1 or 2 (both the console), else the result is -1. The buffer must lie in the
#   process's regions, or the process ends (PROC_FAIL, KILL_BAD_SYSCALL_ARG).
#   The bytes are read with ordinary loads from the user's addresses (through the MMU, so they
#   are references like any other). Before touching a page the kernel checks that it is present;
#   if it is not, it records its progress in the saved registers (buf and len advance, the
#   count so far goes to PCB_WRITTEN), brings the page in like a fault and, if the process has
#   to wait, leaves the pc on the `syscall`: the call runs again when the page is in and goes
#   on where it stopped, so nothing is printed twice. At the end buf and len are put back as
#   they were (other registers are preserved).
sys_write:
    lw   t0, PCB_A0(s0)
    li   t1, FD_STDOUT
    beq  t0, t1, .fd_ok
    li   t1, FD_STDERR
    beq  t0, t1, .fd_ok
    li   a0, -1
    j    sys_return
.fd_ok:
    lw   s1, PCB_A1(s0)             # s1 = next byte to print
    lw   s2, PCB_A2(s0)             # s2 = bytes left
    mv   a0, s0
    mv   a1, s1
    mv   a2, s2
    call user_range_ok
    beqz a0, .bad_buffer
    beqz s2, .done
.check:
    # Is the page of s1 present? (A software walk: a fault in the kernel would be a double fault.)
    mv   a0, s0
    mv   a1, s1
    call vm_lookup
    beqz a1, .absent
    lw   t0, 0(a0)
    andi t0, t0, PTE_V
    beqz t0, .absent
    li   t1, CONSOLE_BASE
.copy:                              # until the page or the buffer ends
    lbu  t0, 0(s1)
    sw   t0, CONSOLE_TX(t1)
    addi s1, s1, 1
    addi s2, s2, -1
    beqz s2, .done
    andi t0, s1, PAGE_MASK
    bnez t0, .copy
    j    .check
.absent:
    # Record the progress, then bring the page in.
    lw   t0, PCB_A1(s0)
    sub  t0, s1, t0                 # t0 = bytes printed by this attempt
    lw   t1, PCB_WRITTEN(s0)
    add  t1, t1, t0
    sw   t1, PCB_WRITTEN(s0)
    sw   s1, PCB_A1(s0)
    sw   s2, PCB_A2(s0)
    mv   s3, s1
    li   a2, ACC_LOAD
    li   a3, 0
    call page_in                    # (the PCB in s0; keeps s0 only)
    li   t0, PI_MAPPED
    bne  a0, t0, schedule           # waiting (the syscall runs again) or ended
    lw   s1, PCB_A1(s0)             # where we are, as recorded above
    lw   s2, PCB_A2(s0)
    j    .check
.done:
    lw   t0, PCB_A1(s0)
    sub  t0, s1, t0
    lw   a0, PCB_WRITTEN(s0)
    add  a0, a0, t0                 # a0 = every byte printed = the original length
    sw   zero, PCB_WRITTEN(s0)
    sub  t0, s1, a0
    sw   t0, PCB_A1(s0)             # buf as the caller passed it
    sw   a0, PCB_A2(s0)             # len as the caller passed it
    j    sys_return
.bad_buffer:
    mv   a0, s0
    li   a1, KILL_BAD_SYSCALL_ARG
    call proc_fail
    j    schedule

# user_range_ok: does [a1, a1 + a2) lie in readable regions of process a0?
#   a0 = PCB, a1 = start, a2 = length (unsigned; 0 is always fine).
#   Returns a0 = 1 if so, else 0. Checks page by page, so a buffer may span regions (data then
#   bss) but not a gap, and never reaches the kernel segment. Clobbers a1-a3, t0-t4.
user_range_ok:
    push lr
    beqz a2, .yes
    add  a2, a1, a2                 # a2 = end
    bltu a2, a1, .no                # wrapped around
    li   t0, USER_TOP
    bgtu a2, t0, .no
    mv   t4, a0                     # t4 = PCB
    mv   a3, a1                     # a3 = address being checked
.page:
    mv   a0, t4
    mv   a1, a3
    call region_find                # (clobbers t0-t3 only)
    andi a0, a0, PTE_R
    beqz a0, .no
    srli a3, a3, PAGE_SHIFT         # next page
    addi a3, a3, 1
    slli a3, a3, PAGE_SHIFT
    bltu a3, a2, .page
.yes:
    li   a0, 1
    pop  lr
    ret
.no:
    li   a0, 0
    pop  lr
    ret
