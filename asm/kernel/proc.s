# proc.s: processes. The process table, creation at boot, the round-robin scheduler, the idle
# loop, and the end of a process (exit, kill, fail) with the release of everything it held.

.bss
.align 4
proc_table: .space NPROC * PCB_SIZE

.data                           # kernel variables live in .data (layout.s)
.align 4
k_current:  .space 4            # PCB of the process on the CPU, or 0 when idle
k_rr:       .space 4            # PCB of the process that last got a new time slice (below)
k_shown:    .space 4            # pid last reported with EV_SWITCH (0 = idle)
k_failed:   .space 4            # HALT_SOME_FAILED once a process ends other than by exit(0)
k_aged_at:  .space 4            # aging policy: CYCLE when the pages were last aged
k_noframe:  .space 4            # 1 once a process went P_NOFRAME (wake_noframe clears it)
k_nready:   .space 4            # processes in P_READY
k_nlive:    .space 4            # processes not P_ENDED
k_readied:  .space 4            # PCB of the process made ready last (schedule's first guess)
# k_rr is also the process the machine is set up for: SCRATCH0 points at its PCB, and PTBR and
# ASID hold its root and pid (only .take writes them, for the process it gives a time slice).
# Before the first time slice it is the slot before the table (proc_table - PCB_SIZE), which no
# process has: so the first scan starts at index 0, and the first .take sets the machine up.

.text

# proc_create_all: one process per directory entry, pid = index + 1, all ready.
#   Clobbers a0-a3, t0-t4.
proc_create_all:
    push lr
    push s0
    la   t0, k_nprocs
    lw   s0, 0(t0)
    la   t1, proc_table - PCB_SIZE
    la   t0, k_rr
    sw   t1, 0(t0)                  # no process yet (see k_rr)
    la   t0, k_nready               # every process is ready, and none has ended
    sw   s0, 0(t0)
    la   t0, k_nlive
    sw   s0, 0(t0)
    la   t0, k_readied              # a process, for schedule's first guess (it checks the state)
    la   t1, proc_table
    sw   t1, 0(t0)
    li   s0, 0
.loop:
    la   t0, k_nprocs
    lw   t0, 0(t0)
    beq  s0, t0, .done
    mv   a0, s0
    call proc_create
    addi s0, s0, 1
    j    .loop
.done:
    pop  s0
    pop  lr
    ret

# proc_create: make the process for directory entry a0.
#   Copies its segments (as regions), sets its heap and stack limits, carves its root table from
#   the reserve, sets its registers as asm/README.md promises (pc = entry, sp = USER_TOP,
#   a0 = pid, others 0), reports PROC_START. Every page is left not present.
#   a0 = index. Clobbers a0-a3, t0-t4.
proc_create:
    push lr
    push s0
    push s1
    push s3
    mv   s3, a0                     # s3 = index
    slli s0, a0, PCB_SHIFT
    la   t0, proc_table
    add  s0, s0, t0                 # s0 = PCB
    li   t0, DIR_ENTRY_SIZE
    mul  s1, a0, t0
    la   t0, dir_buf
    add  s1, s1, t0
    addi s1, s1, DIR_ENTRY_BASE     # s1 = directory entry
    mv   a0, s0
    li   a1, PCB_SIZE
    call zero_bytes

    addi t0, s3, 1
    sw   t0, PCB_PID(s0)
    sw   t0, PCB_A0(s0)
    li   t0, P_READY
    sw   t0, PCB_STATE(s0)
    lw   t0, DIR_E_ENTRY(s1)
    sw   t0, PCB_PC(s0)
    li   t0, USER_TOP
    sw   t0, PCB_SP(s0)
    li   t0, NIL
    sw   t0, PCB_TABLES(s0)
    sw   t0, PCB_LEAF_TAG(s0)       # no leaf table reached yet (PCB_REGION_END = 0: no region)
    # The fields of its two request records that never change (layout.s): the page-in is its
    # own and reads (but for a zero-fill), the write-out record always writes.
    sw   s0, PCB_RQ_IN + RQ_PCB(s0)
    li   t0, RQ_READ
    sw   t0, PCB_RQ_IN + RQ_KIND(s0)
    li   t0, RQ_WRITE
    sw   t0, PCB_RQ_OUT + RQ_KIND(s0)

    # Segments.
    lw   t0, DIR_E_NSEGS(s1)
    li   t1, DIR_MAX_SEGS
    bgtu t0, t1, .bad_entry
    sw   t0, PCB_NSEGS(s0)
    addi t1, s1, DIR_E_SEGS         # t1 = directory segment
    addi t2, s0, PCB_SEGS           # t2 = segment record
.seg:
    beqz t0, .heap
    lw   t3, DIR_S_VADDR(t1)
    sw   t3, SEG_START(t2)
    lw   t4, DIR_S_FILESIZE(t1)
    add  t4, t3, t4
    sw   t4, SEG_FILE_END(t2)
    lw   t4, DIR_S_MEMSIZE(t1)
    add  t4, t3, t4
    addi t4, t4, PAGE_MASK
    srli t4, t4, PAGE_SHIFT
    slli t4, t4, PAGE_SHIFT
    sw   t4, SEG_END(t2)
    lw   t4, DIR_S_BLOCK(t1)
    sw   t4, SEG_BLOCK(t2)
    lw   t4, DIR_S_FLAGS(t1)
    slli t4, t4, SEGFLAG_TO_PTE_SHIFT
    andi t4, t4, PTE_R | PTE_W | PTE_X
    sw   t4, SEG_PERM(t2)
    addi t1, t1, DIR_SEG_SIZE
    addi t2, t2, SEG_SIZE
    addi t0, t0, -1
    j    .seg

.heap:
    # The stack: [USER_TOP - stack pages, USER_TOP).
    la   t0, k_stack_pages
    lw   t0, 0(t0)
    slli t0, t0, PAGE_SHIFT
    li   t1, USER_TOP
    sub  t1, t1, t0
    sw   t1, PCB_STACK_LOW(s0)
    # The heap starts on the page after the last segment and may grow by the heap limit, but
    # never into the stack.
    lw   t2, DIR_E_HEAP_VPN(s1)
    slli t2, t2, PAGE_SHIFT
    sw   t2, PCB_HEAP_START(s0)
    sw   t2, PCB_BRK(s0)
    li   t3, 0                      # t3 = room below the stack, in pages
    bgeu t2, t1, .room
    sub  t3, t1, t2
    srli t3, t3, PAGE_SHIFT
.room:
    la   t0, k_heap_pages
    lw   t0, 0(t0)
    bleu t0, t3, .limit
    mv   t0, t3
.limit:
    slli t0, t0, PAGE_SHIFT
    add  t0, t2, t0
    sw   t0, PCB_HEAP_LIMIT(s0)

    # The root table.
    la   t0, k_root_pages
    lw   a0, 0(t0)
    slli a0, a0, PAGE_SHIFT
    call rsv_carve
    call kva_to_pa
    sw   a0, PCB_ROOT(s0)

    lw   a0, PCB_PID(s0)
    mv   a1, s3
    lw   a2, PCB_ROOT(s0)
    li   a3, 0
    li   t0, EV_PROC_START
    call monitor
    pop  s3
    pop  s1
    pop  s0
    pop  lr
    ret
.bad_entry:
    la   a0, msg_bad_dir
    j    panic

# schedule: give the CPU to a process and return to user mode; every path through the kernel
# ends here, with sp = the top of the kernel stack and nothing on it worth keeping.
#   The current process, if still running (the trap did not stop it: a page mapped at once, a
#   disk interrupt), goes on with the rest of its time slice. Otherwise the next ready process
#   after the last one chosen, round robin, gets a new time slice (TIMECMP = now + quantum).
#   If none is ready but some wait, the kernel idles until an interrupt is pending. If none is
#   left, the machine halts: a0 = HALT_ALL_OK if every process exited 0, else HALT_SOME_FAILED.
#   The counts k_nready and k_nlive answer "none ready" and "none left" without a scan, and
#   with one process ready it is nearly always the one made ready last (k_readied).
schedule:
    lui  t0, %hi(k_aging)           # (t0 = the %hi of every k_* word below: layout.s)
    lw   s2, %lo(k_aging)(t0)       # s2 = 1 under the aging policy (the idle loop keeps it)
    beqz s2, .aged
    call age_if_due                 # the aging policy's clock (only that policy has one)
    lui  t0, %hi(k_current)         # (age_if_due clobbers t0)
.aged:
    lw   s0, %lo(k_current)(t0)
    beqz s0, .pick
    lw   t1, PCB_STATE(s0)
    li   t2, P_RUNNING
    beq  t1, t2, .resume
.pick:
    lw   t1, %lo(k_nready)(t0)
    bnez t1, .ready

.none_ready:
    # Is anyone still waiting (for the disk or for a frame)? Every process not ended is: none
    # is ready, and none runs (k_current, if any, is not P_RUNNING).
    lw   t1, %lo(k_nlive)(t0)
    beqz t1, .all_done

.idle:
    # Nothing to run until the disk completes. Sleep with interrupts off (the kernel never takes
    # a trap: EXL stays set) and look at IP ourselves. Only the disk can wake us: no process
    # runs, so a timer tick would be a wasted wake-up. A tick that comes meanwhile stays
    # pending, masked, until the next time slice writes TIMECMP (k_current is 0 from here, so
    # schedule picks a process, and arms a new slice, before any user code runs).
    sw   zero, %lo(k_current)(t0)
    lw   t1, %lo(k_shown)(t0)       # EV_SWITCH to idle (pid 0), as at .resume
    beqz t1, .mask
    sw   zero, %lo(k_shown)(t0)
    sw   zero, %lo(k_mon) + MA_0(t0)
    lui  t1, %hi(MONITOR_BASE)
    li   t2, EV_SWITCH
    sw   t2, %lo(MONITOR_BASE) + MON_EVENT(t1)
.mask:
    li   t1, IRQ_DISK               # wait wakes up for the disk only (s2: aging, from the top)
    csrw im, t1
.sleep:
    wait                            # returns once IP & IM != 0: the disk has completed
    call disk_interrupt             # (keeps s0, s2, s3)
    # Each wake-up is a kernel entry for the aging policy's clock, as at the top of schedule.
    beqz s2, .aged_idle
    call age_if_due
.aged_idle:
    # Sleep again until a process is ready (a page-in completed, a frame came free) or none is
    # left (a disk error ended the last). A finished write-out and the start of the next
    # transfer change no process's state.
    lui  t0, %hi(k_nready)
    lw   t1, %lo(k_nready)(t0)
    beqz t1, .still_idle
.woken:
    li   t2, IRQ_TIMER | IRQ_DISK   # the mask for user mode again
    csrw im, t2                     # (t0 and t1 as .ready wants them; k_current is 0)
.ready:
    # t1 = k_nready > 0; the process picked stops being ready.
    addi t1, t1, -1
    sw   t1, %lo(k_nready)(t0)
    bnez t1, .scan_all
    # The only ready process: the one made ready last, if that one still is (round robin
    # would find no other); else, the scan.
    lw   s0, %lo(k_readied)(t0)
    lw   t1, PCB_STATE(s0)
    li   t2, P_READY
    bne  t1, t2, .scan_all
.take:
    # s0 = the process, t0 = the %hi of the k_* words.
    sw   s0, %lo(k_current)(t0)
    li   t1, P_RUNNING
    sw   t1, PCB_STATE(s0)
    csrr t1, cycle                  # a new time slice
    lw   t2, %lo(k_quantum)(t0)
    add  t1, t1, t2
    csrw timecmp, t1
    # SCRATCH0, PTBR and ASID are written only for another process than the last one given a
    # time slice (k_rr): rewriting the same values would change nothing, but a write to PTBR or
    # ASID costs the emulator its translation caches.
    lw   t1, %lo(k_rr)(t0)
    beq  t1, s0, .resume
    sw   s0, %lo(k_rr)(t0)
    csrw scratch0, s0               # trap_entry saves the registers here
    lw   t1, PCB_ROOT(s0)
    csrw ptbr, t1
    lw   t1, PCB_PID(s0)
    csrw asid, t1                   # ASID = pid: no TLB flush on a switch

.resume:
    # EV_SWITCH if this process is not the one last reported (as `monitor` does, inline; only
    # its one argument is written). (t0 = the %hi of the k_* words, on both ways here.)
    lw   a0, PCB_PID(s0)
    lw   t1, %lo(k_shown)(t0)
    beq  a0, t1, .shown
    sw   a0, %lo(k_shown)(t0)
    sw   a0, %lo(k_mon) + MA_0(t0)
    lui  t1, %hi(MONITOR_BASE)
    li   t0, EV_SWITCH
    sw   t0, %lo(MONITOR_BASE) + MON_EVENT(t1)
.shown:
    # STATUS already holds what eret needs (start_scheduling wrote it once; every trap from user
    # mode leaves the same value): eret pops PUM into UM (user mode) and PIE into IE, clears EXL.
    lw   t0, PCB_PC(s0)
    csrw epc, t0
    mv   lr, s0                     # lr is restored last: it holds the PCB until then
    lw   a0, PCB_A0(lr)
    lw   a1, PCB_A1(lr)
    lw   a2, PCB_A2(lr)
    lw   a3, PCB_A3(lr)
    lw   t0, PCB_T0(lr)
    lw   t1, PCB_T1(lr)
    lw   t2, PCB_T2(lr)
    lw   t3, PCB_T3(lr)
    lw   t4, PCB_T4(lr)
    lw   s0, PCB_S0(lr)
    lw   s1, PCB_S1(lr)
    lw   s2, PCB_S2(lr)
    lw   s3, PCB_S3(lr)
    lw   sp, PCB_SP(lr)
    lw   lr, PCB_LR(lr)
    eret

.scan_all:
    # Round robin: the first ready process after the last one given a time slice (k_rr).
    lw   s1, %lo(k_nprocs)(t0)      # s1 = number of processes
    la   t3, proc_table             # t3 = the table
    lw   t1, %lo(k_rr)(t0)
    sub  t1, t1, t3
    srai t1, t1, PCB_SHIFT          # t1 = index looked at (-1 before the first time slice)
    mv   s3, s1                     # s3 = how many are left to look at
    li   t2, P_READY
.scan:
    beqz s3, .lost
    addi s3, s3, -1
    addi t1, t1, 1
    bne  t1, s1, .look
    li   t1, 0
.look:
    slli s0, t1, PCB_SHIFT
    add  s0, s0, t3
    lw   t4, PCB_STATE(s0)
    bne  t4, t2, .scan
    j    .take

.lost:
    # k_nready said some process was ready and none is: a kernel bug. `break` in the kernel is
    # a double fault: the machine stops with a register dump.
    break

.still_idle:
    # (.aged_idle: none is ready.) Sleep again, unless none is left.
    lw   t2, %lo(k_nlive)(t0)
    bnez t2, .sleep
    j    .all_done

.all_done:
    la   t0, k_failed
    lw   a0, 0(t0)
    halt

# make_ready: process a0 becomes ready (it was running, or waiting): its state, the count of
# ready processes, and schedule's first guess (k_readied).
#   a0 = PCB. Clobbers t0, t1.
make_ready:
    li   t0, P_READY
    sw   t0, PCB_STATE(a0)
    lui  t0, %hi(k_nready)
    lw   t1, %lo(k_nready)(t0)
    addi t1, t1, 1
    sw   t1, %lo(k_nready)(t0)
    sw   a0, %lo(k_readied)(t0)     # (the same %hi: layout.s)
    ret

# timer_tick: the timer fired. Ages the pages if that is due (aging policy only) and arms the
# next tick.
#   Clobbers a0-a3, t0-t4.
timer_tick:
    push lr
    lui  t0, %hi(k_aging)
    lw   t0, %lo(k_aging)(t0)
    beqz t0, .aged
    call age_if_due
.aged:
    csrr t0, cycle
    la   t1, k_quantum
    lw   t1, 0(t1)
    add  t0, t0, t1
    csrw timecmp, t0                # also clears the pending timer interrupt
    pop  lr
    ret

# age_if_due: the aging policy's clock. Ages the pages (age_tick) once --quantum cycles have
# passed since they were last aged, whatever brought the kernel in. The timer alone cannot be
# the clock: every new time slice re-arms it (and a write to TIMECMP drops a pending tick), so
# processes that fault more often than once a slice would never let it fire; the ages would
# freeze, and the page just brought in, always among the lowest, would be evicted before it was
# used, round after round (a livelock with any number of frames).
#   Called under the aging policy only (its callers look at k_aging).
#   Clobbers a0-a3, t0-t4.
age_if_due:
    csrr t0, cycle
    lui  t1, %hi(k_aged_at)         # (one %hi for both: layout.s)
    lw   t2, %lo(k_aged_at)(t1)
    sub  t2, t0, t2                 # cycles since the last aging (mod 2^32)
    lw   t3, %lo(k_quantum)(t1)
    bltu t2, t3, .done
    sw   t0, %lo(k_aged_at)(t1)
    j    age_tick                   # a tail call: age_tick returns to our caller
.done:
    ret

# wake_noframe: every process waiting for a frame may try again (one stopped being busy).
#   Looks through the process table only if some process went P_NOFRAME since the last look
#   (k_noframe): nearly always, none did. Each one found is made ready (make_ready, inline).
#   Clobbers t0-t4.
wake_noframe:
    lui  t0, %hi(k_noframe)
    lw   t1, %lo(k_noframe)(t0)
    beqz t1, .done
    sw   zero, %lo(k_noframe)(t0)
    lw   t1, %lo(k_nprocs)(t0)      # (the same %hi: layout.s)
    lw   t4, %lo(k_nready)(t0)      # t4 = the count of ready processes, stored at the end
    la   t0, proc_table
.loop:
    beqz t1, .count
    lw   t2, PCB_STATE(t0)
    li   t3, P_NOFRAME
    bne  t2, t3, .next
    li   t3, P_READY
    sw   t3, PCB_STATE(t0)
    addi t4, t4, 1
    lui  t3, %hi(k_readied)
    sw   t0, %lo(k_readied)(t3)
.next:
    addi t0, t0, PCB_SIZE
    addi t1, t1, -1
    j    .loop
.count:
    lui  t3, %hi(k_nready)
    sw   t4, %lo(k_nready)(t3)
.done:
    ret

# proc_exit: process a0 exits with status a1 (PROC_EXIT).
#   a0 = PCB, a1 = status. Clobbers a0-a3, t0-t4.
proc_exit:
    push lr
    push s0
    mv   s0, a0
    beqz a1, .ok
    call mark_failed
.ok:
    lw   a0, PCB_PID(s0)
    li   t0, EV_PROC_EXIT
    call monitor
    mv   a0, s0
    call proc_release
    pop  s0
    pop  lr
    ret

# proc_kill: process a0 made a fault that is its own (PROC_KILL: pid, cause, address, pc).
#   a0 = PCB, a1 = cause, plus a FaultWhy << WHY_SHIFT when the kernel refused a page fault,
#   a2 = faulting address. The pc reported is the saved pc. Clobbers a0-a3, t0-t4.
proc_kill:
    push lr
    push s0
    mv   s0, a0
    call mark_failed
    lw   a0, PCB_PID(s0)
    lw   a3, PCB_PC(s0)
    li   t0, EV_PROC_KILL
    call monitor
    mv   a0, s0
    call proc_release
    pop  s0
    pop  lr
    ret

# proc_fail: the kernel ends process a0 for reason a1 (PROC_FAIL, a KILL_* reason).
#   a0 = PCB, a1 = reason. Clobbers a0-a3, t0-t4.
proc_fail:
    push lr
    push s0
    mv   s0, a0
    call mark_failed
    lw   a0, PCB_PID(s0)
    li   t0, EV_PROC_FAIL
    call monitor
    mv   a0, s0
    call proc_release
    pop  s0
    pop  lr
    ret

# mark_failed: the run's halt status will be HALT_SOME_FAILED. Clobbers t0, t1.
mark_failed:
    la   t0, k_failed
    li   t1, HALT_SOME_FAILED
    sw   t1, 0(t0)
    ret

# proc_release: process a0 has ended: free its frames, its swap slots and its page tables.
#   A frame still busy with a transfer for it is freed when that transfer completes
#   (pagein_done). The TLB is not flushed: the process's entries carry its ASID, and ASIDs are
#   never reused (see layout.s), so they can never match again.
#   a0 = PCB. Clobbers a0-a3, t0-t4.
proc_release:
    push lr
    push s0
    push s1
    push s2
    mv   s0, a0
    lw   t0, PCB_STATE(s0)          # t0 = the state it leaves
    li   t1, P_ENDED
    sw   t1, PCB_STATE(s0)
    lui  t1, %hi(k_nlive)           # the counts schedule keeps
    lw   t2, %lo(k_nlive)(t1)
    addi t2, t2, -1
    sw   t2, %lo(k_nlive)(t1)
    li   t2, P_READY
    bne  t0, t2, .counted
    lw   t2, %lo(k_nready)(t1)      # (the same %hi: layout.s)
    addi t2, t2, -1
    sw   t2, %lo(k_nready)(t1)
.counted:
    li   s1, 0                      # s1 = frame
    la   t0, k_nframes
    lw   s2, 0(t0)
.frames:
    beq  s1, s2, .swap
    mv   a0, s1
    call frame_entry
    lw   t0, FT_PID(a0)
    lw   t1, PCB_PID(s0)
    bne  t0, t1, .next
    lw   t0, FT_BUSY(a0)
    bnez t0, .next
    mv   a0, s1
    call frame_release
.next:
    addi s1, s1, 1
    j    .frames
.swap:
    lw   a0, PCB_PID(s0)
    call swap_release
    mv   a0, s0
    call vm_free_tables
    call wake_noframe               # frames were freed
    pop  s2
    pop  s1
    pop  s0
    pop  lr
    ret
