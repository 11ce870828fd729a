# disk.s: the disk driver. Requests wait in a FIFO queue; the head of the queue is the one the
# disk is working on. When it completes (the disk interrupt, or the idle loop seeing the disk's
# bit in IP), the driver runs its completion and starts the next one.
#
# Order matters and the queue keeps it: a frame whose dirty page is written out and which then
# receives a new page has the write queued before the read (or the zero-fill), and the disk
# moves the data only when a transfer completes.

.data                           # kernel variables live in .data (layout.s)
.align 4
k_rq_head:  .space 4            # the request in progress (head of the queue), or 0
k_rq_tail:  .space 4            # the last request queued, or 0
k_disk_frame: .space 4          # the frame whose address the disk's DMA register holds, or NIL

.text

# disk_init: the queue empty. (The request records are in the PCBs: layout.s.)
#   Clobbers t0, t1.
disk_init:
    la   t0, k_rq_head
    sw   zero, 0(t0)
    la   t0, k_rq_tail
    sw   zero, 0(t0)
    la   t0, k_disk_frame
    li   t1, NIL
    sw   t1, 0(t0)
    ret

# rq_submit: queue the requests a0 to a1, in that order, filled in by their owners (every
# field but the last one's RQ_NEXT); if the disk was idle, start the first.
#   a0 = the first request, a1 = the last (a1 = a0 for one; for two, a0's RQ_NEXT is a1).
#   Clobbers a0-a3, t0-t4 and s1 (pagein_done).
rq_submit:
    sw   zero, RQ_NEXT(a1)
    lui  t0, %hi(k_rq_tail)
    lw   t1, %lo(k_rq_tail)(t0)
    sw   a1, %lo(k_rq_tail)(t0)
    beqz t1, .was_empty
    sw   a0, RQ_NEXT(t1)
    ret
.was_empty:
    sw   a0, %lo(k_rq_head)(t0)     # (the same %hi: layout.s)
    j    disk_start                 # a tail call

# disk_start: start request a0, the new head of the queue. A zero-fill needs no disk: it is
# done at once (it only waited for the requests before it) and the next one is started.
#   a0 = request. Clobbers a0-a3, t0-t4 and s1 (pagein_done).
disk_start:
    lw   a1, RQ_KIND(a0)
    bgez a1, disk_program           # a transfer (RQ_ZERO is the one negative kind): a tail call
    j    pagein_done                # a tail call; it ends in rq_done (the next one starts)

# disk_program: tell the disk to carry out request a0 (RQ_READ or RQ_WRITE).
#   The disk's registers keep what was last written to them, and once boot has read the
#   directory (read_directory, which leaves k_disk_frame NIL) only this function writes them: so
#   DMA is written only for another frame than the last transfer's (k_disk_frame). A
#   fault's page-in reads into the very frame its write-out has just written from, and each
#   device access costs the emulator several times an instruction.
#   Writing CMD also ends the completion of the transfer before, if that was not acknowledged
#   (asm/README.md, "Disk"): disk_interrupt leaves the ACK to rq_done when no transfer follows.
#   a0 = request, a1 = its kind (RQ_READ or RQ_WRITE, the disk's command). Clobbers t0-t3.
disk_program:
    lui  t1, %hi(DISK_BASE)
    lw   t2, RQ_BLOCK(a0)
    sw   t2, %lo(DISK_BASE) + DISK_BLOCK(t1)
    lw   t0, RQ_FRAME(a0)
    lui  t2, %hi(k_disk_frame)      # (one %hi for the k_* words: layout.s)
    lw   t3, %lo(k_disk_frame)(t2)
    beq  t0, t3, .command           # DMA holds the frame's address already
    sw   t0, %lo(k_disk_frame)(t2)
    lw   t3, %lo(k_user_pfn)(t2)
    add  t0, t0, t3
    slli t0, t0, PAGE_SHIFT         # t0 = physical address of the frame
    sw   t0, %lo(DISK_BASE) + DISK_DMA(t1)
.command:
    sw   a1, %lo(DISK_BASE) + DISK_CMD(t1) # starts the transfer
    ret

# rq_done: the head request is finished: take it off the queue (its record is its owner's
# again) and start the next one, if any (disk_start). With none, acknowledge the disk's last
# completion (disk_interrupt leaves that to the next CMD, if a transfer follows): the
# interrupt is cleared either way. (An ACK with no completion pending does nothing.)
#   Clobbers a0-a3, t0-t4 and s1 (pagein_done).
rq_done:
    lui  t0, %hi(k_rq_head)
    lw   t1, %lo(k_rq_head)(t0)     # t1 = the finished request
    lw   a0, RQ_NEXT(t1)            # a0 = the next one, or 0
    sw   a0, %lo(k_rq_head)(t0)
    bnez a0, disk_start             # a tail call
    sw   zero, %lo(k_rq_tail)(t0)   # the queue is empty (the same %hi: layout.s)
    lui  t1, %hi(DISK_BASE)
    sw   zero, %lo(DISK_BASE) + DISK_ACK(t1) # status back to idle, interrupt cleared
    ret

# disk_interrupt: the disk has finished the head request (its interrupt is pending).
#   On an error, tries the transfer again up to DISK_RETRIES times, then gives up
#   (disk_failed). On success a page-in maps its page (pagein_done); a write-out needs nothing
#   more. Then starts the next request (rq_done). The completion is acknowledged by what
#   follows: the CMD of the next transfer (disk_program), or rq_done's ACK when none follows;
#   the interrupt is no longer pending when disk_interrupt returns.
#   Clobbers a0-a3, t0-t4 and s1 (pagein_done).
disk_interrupt:
    lui  t0, %hi(k_rq_head)
    lw   a0, %lo(k_rq_head)(t0)     # a0 = the request
    lui  t1, %hi(DISK_BASE)
    lw   t2, %lo(DISK_BASE) + DISK_STATUS(t1)
    beqz a0, .spurious              # nothing was in progress (cannot happen)
    li   t0, DISK_STATUS_DONE
    bne  t2, t0, .error
    lw   t0, RQ_KIND(a0)
    li   t1, RQ_WRITE
    beq  t0, t1, rq_done            # a write-out: a tail call to the next request
    j    pagein_done                # a tail call; it ends in rq_done
.error:
    lw   t0, RQ_TRIES(a0)
    li   t1, DISK_RETRIES
    beq  t0, t1, .give_up
    addi t0, t0, 1
    sw   t0, RQ_TRIES(a0)
    lw   a1, RQ_KIND(a0)
    j    disk_program               # a tail call: the same transfer again
.give_up:
    push lr
    call disk_failed
    pop  lr
    j    rq_done                    # a tail call
.spurious:
    sw   zero, %lo(DISK_BASE) + DISK_ACK(t1) # status back to idle, interrupt cleared
    ret

# disk_failed: request a0 failed DISK_RETRIES + 1 times. The process that needed it ends
# (KILL_DISK_ERROR): for a page-in, the process waiting for the page; for a write-out, the
# owner of the page written, whose only copy of that page is now lost.
#   a0 = request. Clobbers a0-a3, t0-t4.
disk_failed:
    push lr
    push s0
    push s1
    mv   s0, a0
    lw   s1, RQ_PCB(s0)             # s1 = the process
    lw   t0, RQ_KIND(s0)
    li   t1, RQ_WRITE
    beq  t0, t1, .end_process       # the frame stays busy: its page-in is queued behind
    # A page-in: the frame is no longer busy; it is freed with the process's other frames, or
    # now if the process had already ended.
    lw   a0, RQ_REC(s0)
    sw   zero, FT_BUSY(a0)
    lw   t0, PCB_STATE(s1)
    li   t1, P_ENDED
    bne  t0, t1, .end_process
    lw   a0, RQ_FRAME(s0)
    call frame_release
    call wake_noframe
    j    .out
.end_process:
    lw   t0, PCB_STATE(s1)
    li   t1, P_ENDED
    beq  t0, t1, .out
    mv   a0, s1
    li   a1, KILL_DISK_ERROR
    call proc_fail
.out:
    pop  s1
    pop  s0
    pop  lr
    ret
