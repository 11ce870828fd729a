# trap.s: the one trap vector. Every trap comes from user mode (a trap in the kernel is a double
# fault and stops the machine), so the entry saves the user's registers into the current PCB,
# takes the kernel stack and dispatches on CAUSE. No handler returns: each ends in schedule.

.text

# trap_entry: TVEC points here.
#   On entry: SCRATCH0 = the current PCB, SCRATCH2 = the top of the kernel stack (start_scheduling),
#   EPC = the user pc, STATUS.EXL = 1, interrupts off.
#   For the handlers: s0 = the current PCB, its PCB_REGS and PCB_PC hold the user's state,
#   sp = the top of the kernel stack.
trap_entry:
    csrw scratch1, s0               # free one register...
    csrr s0, scratch0               # ...to hold the PCB
    sw   a0, PCB_A0(s0)
    sw   a1, PCB_A1(s0)
    sw   a2, PCB_A2(s0)
    sw   a3, PCB_A3(s0)
    sw   t0, PCB_T0(s0)
    sw   t1, PCB_T1(s0)
    sw   t2, PCB_T2(s0)
    sw   t3, PCB_T3(s0)
    sw   t4, PCB_T4(s0)
    sw   s1, PCB_S1(s0)
    sw   s2, PCB_S2(s0)
    sw   s3, PCB_S3(s0)
    sw   sp, PCB_SP(s0)
    sw   lr, PCB_LR(s0)
    csrr t0, scratch1
    sw   t0, PCB_S0(s0)
    csrr t0, epc
    sw   t0, PCB_PC(s0)
    csrr sp, scratch2

    # Page faults first: the most frequent trap. a2 = cause - CAUSE_FETCH_PAGE_FAULT is the
    # access kind (ACC_FETCH, ACC_LOAD, ACC_STORE) for causes 1-3, and above ACC_STORE, as an
    # unsigned number, for every other cause.
    csrr t0, cause
    addi a2, t0, -CAUSE_FETCH_PAGE_FAULT
    li   t2, ACC_STORE
    bleu a2, t2, on_page_fault
    li   t1, CAUSE_SYSCALL
    beq  t0, t1, on_syscall
    li   t1, CAUSE_TIMER_INTERRUPT
    beq  t0, t1, on_timer
    li   t1, CAUSE_DISK_INTERRUPT
    beq  t0, t1, on_disk
    j    on_bad_trap

# on_page_fault: causes 1-3, a2 = the access kind. Bring the page in (fault.s); the process
# re-executes the faulting instruction when it next runs: at once if the page was zero-filled,
# else after the disk.
on_page_fault:
    csrr s3, badvaddr               # (page_in takes the PCB in s0, the address in s3)
    li   a3, 1
    call page_in
    j    schedule

# on_bad_trap: a fault that is the program's own (protection, illegal or privileged
# instruction, misalignment, bus error, breakpoint): the process ends (PROC_KILL), the others
# go on. A protection fault in user space means the page's region forbids the access (its PTE
# has the region's permissions), so the kill says why, as for a refused page fault.
on_bad_trap:
    csrr a1, cause
    csrr a2, badvaddr
    li   t0, CAUSE_FETCH_PROTECTION
    bltu a1, t0, .kill
    li   t0, CAUSE_STORE_PROTECTION
    bgtu a1, t0, .kill
    li   t0, USER_TOP
    bgeu a2, t0, .kill              # the kernel segment: the cause says it all
    addi t0, a1, -CAUSE_FETCH_PROTECTION
    slli t0, t0, WORD_SHIFT
    la   t1, acc_why
    add  t1, t1, t0
    lw   t1, 0(t1)
    slli t1, t1, WHY_SHIFT
    or   a1, a1, t1
.kill:
    mv   a0, s0
    call proc_kill
    j    schedule

# on_timer: the time slice is over: the process goes to the back of the round robin.
on_timer:
    call timer_tick
    mv   a0, s0
    call make_ready
    j    schedule

# on_disk: a transfer completed. The interrupted process keeps the CPU (schedule resumes it).
on_disk:
    call disk_interrupt
    j    schedule

# start_scheduling: the end of boot (boot.s jumps here). Sets what trap_entry and schedule rely
# on from now on, then schedules the first process.
#   SCRATCH2 = the top of the kernel stack, where trap_entry takes it.
#   STATUS as eret needs it to enter user mode with interrupts on: PUM and PIE, with EXL. Every
#   trap from user mode leaves this very value (it pushes UM = 1 and IE = 1, and sets EXL), so
#   it is written here once and schedule never writes it.
start_scheduling:
    la   t0, kstack_top
    csrw scratch2, t0
    li   t0, STATUS_PUM | STATUS_PIE | STATUS_EXL
    csrw status, t0
    j    schedule
