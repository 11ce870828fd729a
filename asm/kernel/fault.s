# fault.s: demand paging. A page is brought in the first time it is touched (a page fault, or
# a write() that reads it) from where it lives: its swap slot, the executable's blocks, or
# nowhere (zero-fill).

.data
.align 4
# For each access kind (ACC_*): why it is refused.
acc_why:    .word WHY_NOT_EXECUTABLE, WHY_NOT_READABLE, WHY_NOT_WRITABLE

# For each access kind, the region permission it needs, as a table of 4-bit fields in one
# immediate: kind k's bit is in field k (bits 4k to 4k + 3). A region's permissions are R, W
# and X only, all within bits 0-3, so (ACC_NEED >> 4k) & permissions is kind k's bit if the
# region allows it, else 0: the fields of the other kinds fall outside.
.equ ACC_NEED_SHIFT, 2              # field k starts at bit k << ACC_NEED_SHIFT
.equ ACC_NEED, PTE_X << (ACC_FETCH << ACC_NEED_SHIFT) | PTE_R << (ACC_LOAD << ACC_NEED_SHIFT) | PTE_W << (ACC_STORE << ACC_NEED_SHIFT)

.text

# region_find: the region of process a0 that holds address a1. Regions are whole pages:
# a segment (its page-rounded extent), the heap [heap start, break rounded up to a page), the
# stack [stack low, USER_TOP). Page 0 is in none, so that a null pointer always faults.
# The region found is remembered in the PCB (PCB_REGION_*) and tried first next time: nearly
# every fault falls in the region of the one before. What is remembered is a range in which the
# search would find that same region: for a segment, its pages but page 0; for the heap, all of
# it (it lies above every segment); for the stack, its part above the heap start (a segment may
# lie inside the stack's range, but not above the heap start, and the heap is empty if it
# starts above the stack low).
#   a0 = PCB, a1 = virtual address.
#   Returns a0 = the region's PTE permission bits (0: in no region) and a1 = the segment record
#   (0 for the heap, the stack, or no region); the region found is in PCB_REGION_* then.
#   Clobbers t0-t3.
region_find:
    lw   t0, PCB_REGION_START(a0)
    bltu a1, t0, .search
    lw   t0, PCB_REGION_END(a0)
    bgeu a1, t0, .search
    lw   a1, PCB_REGION_SEG(a0)
    lw   a0, PCB_REGION_PERM(a0)
    ret
.search:
    li   t0, PAGE_SIZE
    bltu a1, t0, .outside
    lw   t0, PCB_NSEGS(a0)
    addi t1, a0, PCB_SEGS
.seg:
    beqz t0, .heap
    lw   t2, SEG_START(t1)
    bltu a1, t2, .next
    lw   t3, SEG_END(t1)
    bgeu a1, t3, .next
    lw   t0, SEG_PERM(t1)
    bnez t2, .remember
    li   t2, PAGE_SIZE              # a segment at 0: page 0 is still in no region
    j    .remember
.next:
    addi t1, t1, SEG_SIZE
    addi t0, t0, -1
    j    .seg
.heap:
    lw   t2, PCB_HEAP_START(a0)
    bltu a1, t2, .stack
    lw   t3, PCB_BRK(a0)
    addi t3, t3, PAGE_MASK          # the break's page is in the heap
    srli t3, t3, PAGE_SHIFT
    slli t3, t3, PAGE_SHIFT
    bgeu a1, t3, .stack
    li   t0, PTE_R | PTE_W
    li   t1, 0
    j    .remember
.stack:
    lw   t2, PCB_STACK_LOW(a0)
    bltu a1, t2, .outside
    li   t3, USER_TOP
    bgeu a1, t3, .outside
    li   t0, PTE_R | PTE_W
    li   t1, 0
    lw   a1, PCB_HEAP_START(a0)     # (a1 is not needed any more)
    bgeu t2, a1, .remember
    mv   t2, a1                     # remembered from the heap start up
.remember:
    # t2 = start, t3 = end, t0 = permissions, t1 = segment record or 0.
    sw   t2, PCB_REGION_START(a0)
    sw   t3, PCB_REGION_END(a0)
    sw   t0, PCB_REGION_PERM(a0)
    sw   t1, PCB_REGION_SEG(a0)
    mv   a0, t0
    mv   a1, t1
    ret
.outside:
    li   a0, 0
    li   a1, 0
    ret

# page_in: bring in the page of the current process that holds address s3.
#   s0 = PCB of the current process (as trap_entry leaves it), s3 = virtual address (page_in
#   keeps it there throughout), a2 = access kind (ACC_*), a3 = 1 for a hardware page fault
#   (the trap's cause is CAUSE_FETCH_PAGE_FAULT + a2), 0 when write() needs the page.
#   Returns a0 =
#     PI_MAPPED   the page is mapped (zero-filled at once); the process goes on;
#     PI_BLOCKED  the process waits: P_WAITING until its page-in completes (pagein_done makes
#                 it ready), or P_NOFRAME if every frame is busy (it retries when one is not);
#                 Also when the swap area was full and another process, holding more of it,
#                 was ended to make room: this one stays P_RUNNING and simply tries again (the
#                 faulting instruction, or the write() call, runs again).
#     PI_ENDED    the process was ended: an address outside every region or an access its
#                 region forbids (PROC_KILL), or no page-table frame or swap slot (PROC_FAIL).
#   Keeps s0 but not s1-s3 (unlike an ordinary function): both callers run on a fresh trap,
#   with the user's registers saved in the PCB, and saving them here would cost every fault.
#   Clobbers a1-a3, t0-t4, s1-s3.
page_in:
    push lr
    sw   a3, PCB_FAULT_HW(s0)
    # Its region: region_find's first test, inline (nearly every fault falls in the region
    # remembered), else region_find. The region's segment stays in PCB_REGION_SEG.
    lw   t0, PCB_REGION_START(s0)
    bltu s3, t0, .find_region
    lw   t0, PCB_REGION_END(s0)
    bgeu s3, t0, .find_region
    lw   a0, PCB_REGION_PERM(s0)
.region:
    beqz a0, .outside               # (a0 = the region's permission bits)
    slli t1, a2, ACC_NEED_SHIFT     # a2 = access kind
    li   t0, ACC_NEED
    srl  t0, t0, t1
    and  t0, t0, a0                 # the bit the access needs, if the region has it
    beqz t0, .denied
    sw   s3, PCB_FAULT_VA(s0)
    sw   a0, PCB_FAULT_PERM(s0)

    # The leaf PTE. In the leaf table vm_lookup reached last, if the address has the same bits
    # above the leaf index (vm_lookup's first test, inline: nearly every fault's has); else the
    # walk finds it, unless a table on the way is missing (the first page a table covers), and
    # vm_pte_alloc then makes the tables.
    lui  t2, %hi(k_leaf_tag_mask)   # (one %hi for both k_* words: layout.s)
    lw   t0, %lo(k_leaf_tag_mask)(t2)
    and  t0, s3, t0                 # t0 = the bits that choose the leaf table
    lw   t1, PCB_LEAF_TAG(s0)
    bne  t0, t1, .walk
    lw   t0, PCB_LEAF_TABLE(s0)
    srli t1, s3, PAGE_SHIFT - PTE_SIZE_SHIFT
    lw   t2, %lo(k_leaf_index_bytes)(t2)
    and  t1, t1, t2                 # t1 = the leaf index, in bytes
    add  a0, t0, t1
.have_pte:
    mv   s2, a0                     # s2 = the leaf PTE's address
    lw   s1, 0(s2)                  # s1 = the PTE (frame_take keeps s1)
    andi t0, s1, PTE_V
    bnez t0, .mapped                # already there: nothing to do

    call frame_take                 # a0 = frame, a1 = 1 if it has a write-out, a2 = record
    bltz a0, .no_frame_or_full      # (NIL and FRAME_SWAP_FULL are negative, frames are not)
    # From here on a1 = 1 if the frame's old page is to be written out first (nothing below
    # uses a1 until .queue, which queues that write-out, filled in by frame_take).
    # A page in swap keeps its slot: evicted clean, it needs no write.
    li   t3, NIL                    # t3 = the page's swap slot, or NIL
    andi a3, s1, PTE_SWAPPED        # a3 = PTE_SWAPPED if it is in swap (s1: the PTE, not present)
    beqz a3, .frame
    srli t3, s1, PTE_PFN_SHIFT
.frame:
    mv   s1, a0                     # s1 = frame
.record:
    # The frame is busy from now until its page-in completes (but for a zero-fill done at
    # once, below). frame_take has made it the newest on the resident list.
    lw   t0, PCB_PID(s0)
    sw   t0, FT_PID(a2)
    srli t0, s3, PAGE_SHIFT
    sw   t0, FT_VPN(a2)
    sw   s2, FT_PTE(a2)
    mv   s2, a2                     # s2 = the frame's record (the PTE's address is in it now)
    sw   t3, FT_SLOT(s2)
    li   t0, AGE_NEW
    sw   t0, FT_AGE(s2)
    sw   s0, FT_BUSY(s2)            # (busy: the process waiting for it)
    # The page-in request (our PCB's), queued below unless the page is zero-filled at once.
    addi a0, s0, PCB_RQ_IN
    sw   s1, RQ_FRAME(a0)
    sw   s2, RQ_REC(a0)
    sw   zero, RQ_TRIES(a0)         # (its RQ_PCB is s0 for good: proc_create)

    # Where does the page come from?
    bnez a3, .from_swap             # (t3 = its slot)
    lw   t1, PCB_REGION_SEG(s0)     # its segment (region_find left it there), 0: heap or stack
    beqz t1, .zero
    srli t2, s3, PAGE_SHIFT
    slli t2, t2, PAGE_SHIFT         # t2 = the page's first address
    lw   t3, SEG_FILE_END(t1)
    bgeu t2, t3, .zero              # past the segment's file data: zero-fill
    # From the executable: page k of the segment is its block SEG_BLOCK + k. The block is the
    # whole page even where the file data ends inside it: a .vmx file pads each segment's
    # data with zeros to a page boundary (asm/README.md, "Paging from the file"), so nothing
    # needs zeroing after the read.
    lw   t3, SEG_START(t1)
    sub  t2, t2, t3
    srli t2, t2, PAGE_SHIFT
    lw   t3, SEG_BLOCK(t1)
    add  t2, t2, t3
    sw   t2, RQ_BLOCK(a0)           # (RQ_KIND is RQ_READ: layout.s)
    li   t0, SRC_EXECUTABLE
    sw   t0, RQ_SOURCE(a0)
    j    .queue

.zero:
    bnez a1, .zero_later            # (a1 from frame_take)
    # The frame is ours now and no transfer touches it: zero it and map the page at once.
    sw   zero, FT_BUSY(s2)
    mv   a0, s1
    call frame_kva
    call zero_page
    mv   a0, s0
    li   a2, SRC_ZERO
    mv   a3, s2
    call page_map                   # (the frame in s1)
    j    .mapped
.zero_later:
    # Its old page is still being written out (the data leaves the frame when that write
    # completes), so the zero-fill waits its turn in the disk queue. (pagein_done puts the
    # request's kind back to RQ_READ.)
    li   t0, RQ_ZERO
    sw   t0, RQ_KIND(a0)
    li   t0, SRC_ZERO
    sw   t0, RQ_SOURCE(a0)
    j    .queue

.from_swap:
    lui  t1, %hi(k_swap_first)
    lw   t2, %lo(k_swap_first)(t1)
    add  t2, t2, t3
    sw   t2, RQ_BLOCK(a0)           # (RQ_KIND is RQ_READ: layout.s)
    li   t0, SRC_SWAP
    sw   t0, RQ_SOURCE(a0)
.queue:
    # The process waits from now on; set before submitting, since a request may complete
    # inside rq_submit (a zero-fill reaching the head of the queue).
    li   t0, P_WAITING
    sw   t0, PCB_STATE(s0)
    # Our page-in (a0), behind the write-out of the frame's old page if it has one (a1 = 1).
    mv   t1, a1
    mv   a1, a0                     # a1 = the last request: the page-in
    beqz t1, .submit
    addi a0, s0, PCB_RQ_OUT         # a0 = the first: the write-out (frame_take filled it in)
    sw   a1, RQ_NEXT(a0)
.submit:
    call rq_submit
    li   a0, PI_BLOCKED
.out:
    pop  lr
    ret

.mapped:
    li   a0, PI_MAPPED
    j    .out
.find_region:
    mv   a0, s0
    mv   a1, s3
    call region_find                # (keeps a2)
    j    .region
.walk:
    mv   a0, s0
    mv   a1, s3
    call vm_lookup
    bnez a1, .have_pte
    mv   a0, s0
    mv   a1, s3
    call vm_pte_alloc
    beqz a0, .no_table
    j    .have_pte
.no_frame_or_full:
    li   t0, FRAME_SWAP_FULL
    beq  a0, t0, .swap_full
.no_frame:                          # (a0 = NIL: every frame is busy)
    li   t0, P_NOFRAME
    sw   t0, PCB_STATE(s0)
    la   t0, k_noframe              # (so that wake_noframe looks for it)
    li   t1, 1
    sw   t1, 0(t0)
    li   a0, PI_BLOCKED
    j    .out
.outside:
    mv   s2, a2                     # s2 = access kind
    li   a2, WHY_OUTSIDE
    j    .refuse
.denied:
    mv   s2, a2                     # s2 = access kind
    la   t0, acc_why
    slli t1, s2, WORD_SHIFT
    add  t0, t0, t1
    lw   a2, 0(t0)
.refuse:
    lw   t0, PCB_FAULT_HW(s0)
    beqz t0, .bad_arg
    # PROC_KILL with the trap's cause and why the kernel refused it.
    slli a1, a2, WHY_SHIFT
    addi t0, s2, CAUSE_FETCH_PAGE_FAULT
    or   a1, a1, t0
    mv   a2, s3
    mv   a0, s0
    call proc_kill
    j    .ended
.bad_arg:                           # write() checks its buffer first: cannot happen, but be safe
    mv   a0, s0
    li   a1, KILL_BAD_SYSCALL_ARG
    call proc_fail
    j    .ended
.no_table:
    mv   a0, s0
    li   a1, KILL_RESERVE_FULL
    call proc_fail
    j    .ended
.swap_full:
    # No slot for the victim's dirty page. End the process holding the most swap (its slots and
    # frames come free), and let this one try again; if it is itself the hog, it ends.
    lw   a0, PCB_PID(s0)
    call swap_hog
    lw   t0, PCB_PID(s0)
    beq  a0, t0, .fail_self
    call pcb_of_pid
    li   a1, KILL_SWAP_FULL
    call proc_fail
    li   a0, PI_BLOCKED
    j    .out
.fail_self:
    mv   a0, s0
    li   a1, KILL_SWAP_FULL
    call proc_fail
.ended:
    li   a0, PI_ENDED
    j    .out

# page_map: the data of process a0's page is in frame s1: map it.
#   Writes the leaf PTE (frame, V, U, and its region's R/W/X), counts the page as resident and
#   reports PAGE_IN and, for a hardware fault, FAULT_DONE. No tlbinv is needed: the entry was not
#   valid, and the TLB never holds a translation for an entry that is not valid (the eviction
#   that made it not valid dropped it).
#   a0 = PCB, s1 = frame (both callers keep it there), a2 = source (SRC_*), a3 = the frame's
#   record. A leaf: clobbers t0-t3 only.
page_map:
    lui  t1, %hi(k_user_pfn)        # (t1 = the %hi of the k_* words, k_mon below too)
    lw   t0, %lo(k_user_pfn)(t1)
    add  t0, t0, s1
    slli t0, t0, PTE_PFN_SHIFT
    lw   t2, PCB_FAULT_PERM(a0)
    or   t0, t0, t2
    ori  t0, t0, PTE_V | PTE_U
    lw   t2, FT_PTE(a3)
    sw   t0, 0(t2)
    lw   t2, PCB_RESIDENT(a0)       # t2 = resident pages, this one included
    addi t2, t2, 1
    sw   t2, PCB_RESIDENT(a0)
    # PAGE_IN (as `monitor` does, inline): the arguments, then the event.
    lw   t0, PCB_PID(a0)
    sw   t0, %lo(k_mon) + MA_0(t1)
    lw   t3, FT_VPN(a3)
    sw   t3, %lo(k_mon) + MA_1(t1)
    sw   s1, %lo(k_mon) + MA_2(t1)
    sw   a2, %lo(k_mon) + MA_3(t1)
    lui  t0, %hi(MONITOR_BASE)
    li   t3, EV_PAGE_IN
    sw   t3, %lo(MONITOR_BASE) + MON_EVENT(t0)
    lw   t3, PCB_FAULT_HW(a0)
    beqz t3, .done
    # FAULT_DONE: MA_0 already holds the pid.
    lw   t3, PCB_FAULT_VA(a0)
    sw   t3, %lo(k_mon) + MA_1(t1)
    lw   t3, PCB_PC(a0)             # the faulting instruction: it runs again
    sw   t3, %lo(k_mon) + MA_2(t1)
    sw   t2, %lo(k_mon) + MA_3(t1)
    li   t3, EV_FAULT_DONE
    sw   t3, %lo(MONITOR_BASE) + MON_EVENT(t0)
.done:
    ret

# pagein_done: page-in request a0 has its data (or is a zero-fill whose turn has come).
#   Zeroes the page of a zero-fill, maps the page and makes its process ready. If the process ended
#   meanwhile, the frame is simply freed. Either way a frame stops being busy, so processes
#   waiting for one may try again. Then the request leaves the queue: pagein_done ends in
#   rq_done (a tail call), as both its callers (disk_interrupt, disk_start) would.
#   a0 = request (the head of the queue). Clobbers a0-a3, t0-t4 and s1 (page_map takes the
#   frame there; no caller up the chain, the disk driver's functions, needs s1 kept: they say
#   so, and the idle loop and the traps that reach them do not use it).
pagein_done:
    push lr
    lw   s1, RQ_FRAME(a0)           # s1 = frame
    lw   a3, RQ_REC(a0)             # a3 = its record
    sw   zero, FT_BUSY(a3)
    lw   a2, RQ_SOURCE(a0)          # a2 = source
    lw   a0, RQ_PCB(a0)             # a0 = the process
    lw   t0, PCB_STATE(a0)
    li   t1, P_ENDED
    beq  t0, t1, .orphan
    li   t1, SRC_ZERO               # (a page-in of SRC_ZERO is the RQ_ZERO kind, the others
    bne  a2, t1, .map               # RQ_READ: a read, whose block is the whole page)
    li   t1, RQ_READ                # the page-in record's kind as it was (layout.s)
    sw   t1, PCB_RQ_IN + RQ_KIND(a0)
    mv   t4, a0
    mv   a0, s1
    call frame_kva                  # (clobbers t0 only)
    call zero_page                  # (clobbers t0, t1 only)
    mv   a0, t4
.map:
    call page_map                   # (clobbers t0-t3 only)
    call make_ready                 # (clobbers t0, t1 only; a0 stays the process)
.wake:
    lui  t0, %hi(k_noframe)         # (wake_noframe's own test, inline: nearly always 0)
    lw   t0, %lo(k_noframe)(t0)
    beqz t0, .done
    call wake_noframe
.done:
    pop  lr
    j    rq_done                    # a tail call
.orphan:
    mv   a0, s1
    call frame_release
    j    .wake

# page_release: process a0 gives up its page at address a1 (sbrk shrinking the heap): the
# frame goes back to the free list, the swap slot to the swap map, and the PTE becomes 0, so
# that the page reads as zeros if the heap grows over it again.
#   a0 = PCB, a1 = address. Clobbers a0-a3, t0-t4.
page_release:
    push lr
    push s0
    push s1
    push s2
    mv   s0, a0
    mv   s1, a1
    call vm_lookup
    beqz a1, .done                  # no table there: nothing was ever mapped
    mv   s2, a0                     # s2 = the PTE's address
    lw   t0, 0(s2)
    andi t1, t0, PTE_V
    bnez t1, .resident
    andi t1, t0, PTE_SWAPPED
    beqz t1, .clear
    srli a0, t0, PTE_PFN_SHIFT
    call swap_free
    j    .clear
.resident:
    # A mapped page's frame is never busy (busy frames are not mapped yet).
    srli t0, t0, PTE_PFN_SHIFT
    la   t1, k_user_pfn
    lw   t1, 0(t1)
    sub  a0, t0, t1                 # a0 = frame
    push a0
    call frame_entry
    lw   a0, FT_SLOT(a0)
    li   t0, NIL
    beq  a0, t0, .no_slot
    call swap_free
.no_slot:
    pop  a0
    call frame_release
    # As in evict: the TLB must forget the page before its frame is reused.
    tlbinv s1
    lw   t0, PCB_RESIDENT(s0)
    addi t0, t0, -1
    sw   t0, PCB_RESIDENT(s0)
.clear:
    sw   zero, 0(s2)
.done:
    pop  s2
    pop  s1
    pop  s0
    pop  lr
    ret
