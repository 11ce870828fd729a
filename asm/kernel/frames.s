# frames.s: the user frame pool, page replacement, and the swap map.
#
# Every user frame has a record in the frame table (layout.s, FT_*). A frame is either free, on
# the free list, or holds one page of one process, on the resident list. The resident list is
# kept in the order frames were given to their pages, so its head is the FIFO victim.
#
# A frame is busy (FT_BUSY) from the fault that takes it until its page-in completes: a
# write-out of the page it held and the read (or zero-fill) of its new page are queued. A busy
# frame is never chosen as a victim, and its PTE is not touched (for a process that ended, the
# table holding it is already freed).

.bss
.align 4
k_frame_table:  .space 4        # kernel address of the frame table (carved from the reserve)
k_free_frames:  .space 4        # first free frame, or NIL
k_res_head:     .space 4        # resident list: oldest frame, or NIL
k_res_tail:     .space 4        # resident list: newest frame, or NIL
k_clock_hand:   .space 4        # clock policy: the next frame to look at
k_random:       .space 4        # random policy: xorshift32 state (never 0)
k_swap_map:     .space 4        # kernel address of the swap map: one byte per slot, owner pid
k_swap_hint:    .space 4        # every slot below this one is taken
k_swap_count:   .space (NPROC + 1) * WORD_SIZE  # swap_hog: slots held, by pid (scratch)

.text

# frames_init: carve the frame table and the swap map from the reserve and mark every frame
# free (the lowest frame is handed out first).
#   Clobbers a0-a3, t0-t4.
frames_init:
    push lr
    push s0
    la   t0, k_nframes
    lw   a0, 0(t0)
    slli a0, a0, FTE_SHIFT
    call rsv_carve
    la   t0, k_frame_table
    sw   a0, 0(t0)
    la   t0, k_swap_slots
    lw   a0, 0(t0)
    call rsv_carve                  # zeroed: every slot free
    la   t0, k_swap_map
    sw   a0, 0(t0)
    la   t0, k_swap_hint
    sw   zero, 0(t0)
    li   t1, NIL
    la   t0, k_free_frames
    sw   t1, 0(t0)
    la   t0, k_res_head
    sw   t1, 0(t0)
    la   t0, k_res_tail
    sw   t1, 0(t0)
    la   t0, k_clock_hand
    sw   zero, 0(t0)
    la   t0, k_nframes
    lw   s0, 0(t0)
.loop:                              # from the top down onto the free list
    beqz s0, .done
    addi s0, s0, -1
    mv   a0, s0
    call frame_entry
    sw   zero, FT_PID(a0)
    li   t1, NIL
    sw   t1, FT_SLOT(a0)
    sw   t1, FT_PREV(a0)
    la   t0, k_free_frames
    lw   t1, 0(t0)
    sw   t1, FT_NEXT(a0)
    sw   s0, 0(t0)
    j    .loop
.done:
    pop  s0
    pop  lr
    ret

# res_append: put frame a0 at the tail of the resident list (it is the newest).
#   a0 = frame. Clobbers a0-a2, t0.
res_append:
    la   t0, k_frame_table
    lw   t0, 0(t0)                  # t0 = the frame table (records: t0 + frame << FTE_SHIFT)
    slli a1, a0, FTE_SHIFT
    add  a1, a1, t0                 # a1 = the frame's record
    li   a2, NIL
    sw   a2, FT_NEXT(a1)
    la   a2, k_res_tail
    lw   a2, 0(a2)                  # a2 = the old tail
    sw   a2, FT_PREV(a1)
    li   a1, NIL
    beq  a2, a1, .first
    slli a2, a2, FTE_SHIFT
    add  a2, a2, t0
    sw   a0, FT_NEXT(a2)            # old tail -> frame
    j    .tail
.first:
    la   a2, k_res_head
    sw   a0, 0(a2)
.tail:
    la   a2, k_res_tail
    sw   a0, 0(a2)                  # tail = frame
    ret

# res_remove: take frame a0 off the resident list.
#   a0 = frame. Clobbers a0-a3, t0.
res_remove:
    la   t0, k_frame_table
    lw   t0, 0(t0)                  # t0 = the frame table
    slli a0, a0, FTE_SHIFT
    add  a0, a0, t0                 # a0 = the frame's record
    lw   a1, FT_PREV(a0)
    lw   a2, FT_NEXT(a0)
    li   a3, NIL
    # prev.next = next (or head = next)
    bne  a1, a3, .has_prev
    la   a0, k_res_head
    sw   a2, 0(a0)
    j    .fix_next
.has_prev:
    slli a0, a1, FTE_SHIFT
    add  a0, a0, t0
    sw   a2, FT_NEXT(a0)
.fix_next:
    # next.prev = prev (or tail = prev)
    bne  a2, a3, .has_next
    la   a0, k_res_tail
    sw   a1, 0(a0)
    ret
.has_next:
    slli a0, a2, FTE_SHIFT
    add  a0, a0, t0
    sw   a1, FT_PREV(a0)
    ret

# frame_release: frame a0 no longer holds a page: off the resident list, onto the free list.
#   The caller has already dealt with the PTE and the swap slot.
#   a0 = frame. Clobbers a0-a3, t0.
frame_release:
    push lr
    push s0
    mv   s0, a0
    call res_remove
    mv   a0, s0
    call frame_entry
    sw   zero, FT_PID(a0)
    sw   zero, FT_BUSY(a0)
    li   t0, NIL
    sw   t0, FT_SLOT(a0)
    sw   t0, FT_PREV(a0)
    la   a1, k_free_frames
    lw   t0, 0(a1)
    sw   t0, FT_NEXT(a0)
    sw   s0, 0(a1)
    pop  s0
    pop  lr
    ret

# frame_take: a frame for a new page: a free one if there is one, else a victim chosen by the
# replacement policy, evicted (a dirty victim's write-out is queued first).
#   No argument. Returns a0 = the frame, off every list (the caller fills its record and
#   appends it to the resident list); a1 = 1 if a write-out of it was queued, else 0.
#   a0 = NIL if every frame is busy; a0 = FRAME_SWAP_FULL if the victim needed a swap slot and
#   none is left (nothing was changed then).
#   Clobbers a2, a3, t0-t4.
frame_take:
    push lr
    la   t0, k_free_frames
    lw   a0, 0(t0)
    li   t1, NIL
    beq  a0, t1, .evict
    push a0
    call frame_entry
    lw   t1, FT_NEXT(a0)
    la   t0, k_free_frames
    sw   t1, 0(t0)
    pop  a0
    li   a1, 0
    pop  lr
    ret
.evict:
    call policy_victim
    li   t1, NIL
    beq  a0, t1, .out               # every frame busy
    push a0
    call evict
    mv   a1, a0                     # 1 if written out, FRAME_SWAP_FULL if swap is full
    pop  a0
    li   t0, FRAME_SWAP_FULL
    bne  a1, t0, .out
    mv   a0, a1
.out:
    pop  lr
    ret

# evict: take frame a0's page away from its owner.
#   The PTE becomes "not present": the page's swap slot if it has one (a dirty page without one
#   gets one now), else 0 (it will be read again from where it came).
#   a0 = frame (not busy, on the resident list). Returns a0 = 1 if a write-out was queued,
#   0 if the page was clean, FRAME_SWAP_FULL if it needed a slot and none was free (then
#   nothing has changed). On return the frame is off the resident list.
#   Clobbers a1-a3, t0-t4.
evict:
    addi sp, sp, -20                # push lr, s0, s1, s2, s3
    sw   lr, 16(sp)
    sw   s0, 12(sp)
    sw   s1, 8(sp)
    sw   s2, 4(sp)
    sw   s3, 0(sp)
    mv   s0, a0                     # s0 = frame
    call frame_entry
    mv   s1, a0                     # s1 = its record
    lw   t0, FT_PTE(s1)
    lw   s2, 0(t0)                  # s2 = the PTE
    lw   s3, FT_SLOT(s1)            # s3 = its swap slot, or NIL
    andi t0, s2, PTE_D
    beqz t0, .unmap                 # clean: whatever copy it came from is still good
    li   t0, NIL
    bne  s3, t0, .unmap
    lw   a0, FT_PID(s1)
    call swap_alloc
    li   t0, NIL
    beq  a0, t0, .swap_full
    mv   s3, a0
    sw   s3, FT_SLOT(s1)
.unmap:
    li   t0, 0                      # never saved: reload from the region
    li   t1, NIL
    beq  s3, t1, .set_pte
    slli t0, s3, PTE_PFN_SHIFT
    ori  t0, t0, PTE_SWAPPED
.set_pte:
    lw   t1, FT_PTE(s1)
    sw   t0, 0(t1)
    # The TLB may still hold the old translation (tagged with the owner's ASID). It must go now:
    # once this frame holds another page, the owner would read or overwrite that page through
    # it. tlbinv empties the page's entries in every ASID.
    lw   t0, FT_VPN(s1)
    slli t0, t0, PAGE_SHIFT
    tlbinv t0
    lw   a0, FT_PID(s1)
    call pcb_of_pid
    lw   t0, PCB_RESIDENT(a0)
    addi t0, t0, -1
    sw   t0, PCB_RESIDENT(a0)
    andi s2, s2, PTE_D
    beqz s2, .report
    # Dirty: queue its write to the slot. The frame is overwritten only by requests queued
    # after this one, and the disk serves them in order.
    la   t0, k_swap_first
    lw   a2, 0(t0)
    add  a2, a2, s3                 # a2 = block
    li   a0, RQ_WRITE
    mv   a1, s0
    lw   a3, FT_PID(s1)
    call rq_new
    call rq_submit
    li   s2, 1
.report:
    lw   a0, FT_PID(s1)
    lw   a1, FT_VPN(s1)
    mv   a2, s0
    mv   a3, s2
    li   t0, EV_PAGE_OUT
    call monitor
    mv   a0, s0
    call res_remove
    mv   a0, s2
    j    .out
.swap_full:
    li   a0, FRAME_SWAP_FULL
.out:
    lw   lr, 16(sp)
    lw   s0, 12(sp)
    lw   s1, 8(sp)
    lw   s2, 4(sp)
    lw   s3, 0(sp)
    addi sp, sp, 20                 # pop them
    ret

# policy_victim: the frame the replacement policy gives up next. Free frames are not
# candidates (frame_take uses them first), nor busy ones.
#   Returns a0 = frame, or NIL if every frame is busy. Clobbers a1-a3, t0-t4.
policy_victim:
    la   t0, k_policy
    lw   t0, 0(t0)
    li   t1, REPLACE_CLOCK
    beq  t0, t1, victim_clock
    li   t1, REPLACE_AGING
    beq  t0, t1, victim_aging
    li   t1, REPLACE_RANDOM
    beq  t0, t1, victim_random
    # fall through: REPLACE_FIFO

# victim_fifo: the oldest frame that is not busy: the first on the resident list.
victim_fifo:
    la   t0, k_res_head
    lw   a0, 0(t0)                  # a0 = frame
    la   t1, k_frame_table
    lw   t1, 0(t1)                  # t1 = the frame table
    li   t2, NIL
.loop:
    beq  a0, t2, .done              # (NIL: none)
    slli t3, a0, FTE_SHIFT
    add  t3, t3, t1                 # t3 = its record
    lw   t0, FT_BUSY(t3)
    beqz t0, .done
    lw   a0, FT_NEXT(t3)
    j    .loop
.done:
    ret

# victim_clock: second chance. The hand sweeps the frames; a page whose A bit is set loses it
# and is passed over, the first page found with A clear is the victim and the hand moves past
# it. Two sweeps always find one unless every frame is busy.
victim_clock:
    push lr
    push s0
    push s1
    la   t0, k_nframes
    lw   s1, 0(t0)
    slli s0, s1, 1                  # s0 = steps left: two sweeps
.loop:
    beqz s0, .none
    addi s0, s0, -1
    la   t0, k_clock_hand
    lw   a1, 0(t0)                  # a1 = frame under the hand
    addi t1, a1, 1
    bne  t1, s1, .advance
    li   t1, 0
.advance:
    sw   t1, 0(t0)
    mv   a0, a1
    call frame_entry
    lw   t0, FT_PID(a0)
    beqz t0, .loop                  # free
    lw   t0, FT_BUSY(a0)
    bnez t0, .loop
    lw   t2, FT_PTE(a0)
    lw   t3, 0(t2)
    andi t4, t3, PTE_A
    beqz t4, .found
    # Second chance: clear A. The TLB entry must go too: while the TLB holds the page, accesses
    # hit there and never walk, so the walker would not set A again and the page would look
    # unused however much it is used.
    xori t3, t3, PTE_A
    sw   t3, 0(t2)
    lw   t0, FT_VPN(a0)
    slli t0, t0, PAGE_SHIFT
    tlbinv t0
    j    .loop
.found:
    mv   a0, a1
    j    .out
.none:
    li   a0, NIL
.out:
    pop  s1
    pop  s0
    pop  lr
    ret

# victim_aging: the page with the lowest age; among equal ages, the one loaded first (the
# resident list is in load order). Ages are updated once per --quantum cycles by age_tick
# (age_if_due, proc.s).
# (Breaking ties by load order matters: between two ticks every new page has the same age,
# and a fixed order such as the lowest frame would take back a page just brought in.)
victim_aging:
    push lr
    push s0
    li   a2, NIL                    # a2 = best frame so far
    li   a3, AGE_TOP << 1           # a3 = its age (above every real age)
    la   t0, k_res_head
    lw   s0, 0(t0)                  # s0 = frame, oldest first
.loop:
    li   t0, NIL
    beq  s0, t0, .done
    mv   a0, s0
    call frame_entry
    lw   t0, FT_BUSY(a0)
    bnez t0, .next
    lw   t0, FT_AGE(a0)
    bgeu t0, a3, .next              # strictly younger only: the first of equals wins
    mv   a3, t0
    mv   a2, s0
.next:
    lw   s0, FT_NEXT(a0)
    j    .loop
.done:
    mv   a0, a2
    pop  s0
    pop  lr
    ret

# victim_random: a frame drawn uniformly among those not busy, with a xorshift32 generator
# seeded from the boot block (so a run is repeatable).
victim_random:
    push lr
    push s0
    push s1
    push s2
    la   t0, k_nframes
    lw   s1, 0(t0)
    # Count the candidates.
    li   s0, 0
    li   s2, 0                      # s2 = candidates
.count:
    beq  s0, s1, .draw
    mv   a0, s0
    call frame_entry
    addi s0, s0, 1
    lw   t0, FT_PID(a0)
    beqz t0, .count
    lw   t0, FT_BUSY(a0)
    bnez t0, .count
    addi s2, s2, 1
    j    .count
.draw:
    li   a0, NIL
    beqz s2, .out
    la   t0, k_random               # one step of xorshift32 (layout.s)
    lw   t1, 0(t0)
    slli t2, t1, XORSHIFT_A
    xor  t1, t1, t2
    srli t2, t1, XORSHIFT_B
    xor  t1, t1, t2
    slli t2, t1, XORSHIFT_C
    xor  t1, t1, t2
    sw   t1, 0(t0)
    remu s2, t1, s2                 # s2 = which candidate (0-based)
    li   s0, 0
.find:
    mv   a0, s0
    call frame_entry
    lw   t0, FT_PID(a0)
    beqz t0, .skip
    lw   t0, FT_BUSY(a0)
    bnez t0, .skip
    beqz s2, .found
    addi s2, s2, -1
.skip:
    addi s0, s0, 1
    j    .find
.found:
    mv   a0, s0
.out:
    pop  s2
    pop  s1
    pop  s0
    pop  lr
    ret

# age_tick: one tick of the aging policy: every page's age shifts right and its A bit enters
# at the top; A is cleared (and the TLB entry dropped, as in victim_clock, so that the next
# access walks and sets A again). Busy frames are skipped: their PTE is not valid yet.
#   Clobbers a0-a3, t0-t4.
age_tick:
    push lr
    push s0
    push s1
    li   s0, 0
    la   t0, k_nframes
    lw   s1, 0(t0)
.loop:
    beq  s0, s1, .done
    mv   a0, s0
    call frame_entry
    addi s0, s0, 1
    lw   t0, FT_PID(a0)
    beqz t0, .loop
    lw   t0, FT_BUSY(a0)
    bnez t0, .loop
    lw   t1, FT_AGE(a0)
    srli t1, t1, 1
    lw   t2, FT_PTE(a0)
    lw   t3, 0(t2)
    andi t4, t3, PTE_A
    beqz t4, .store
    ori  t1, t1, AGE_TOP
    xori t3, t3, PTE_A
    sw   t3, 0(t2)
    lw   t0, FT_VPN(a0)
    slli t0, t0, PAGE_SHIFT
    tlbinv t0
.store:
    sw   t1, FT_AGE(a0)
    j    .loop
.done:
    pop  s1
    pop  s0
    pop  lr
    ret

# swap_alloc: a free swap slot for process a0: the lowest free one.
#   a0 = pid. Returns a0 = slot, or NIL if swap is full. Clobbers t0-t4.
swap_alloc:
    la   t0, k_swap_map
    lw   t0, 0(t0)                  # t0 = the map
    la   t1, k_swap_hint
    lw   t2, 0(t1)                  # t2 = slot
    la   t3, k_swap_slots
    lw   t3, 0(t3)
.loop:
    beq  t2, t3, .full
    add  t4, t0, t2
    lbu  t4, 0(t4)
    beqz t4, .found
    addi t2, t2, 1
    j    .loop
.found:
    add  t4, t0, t2
    sb   a0, 0(t4)
    addi t4, t2, 1
    sw   t4, 0(t1)                  # every slot below the next one is taken
    mv   a0, t2
    ret
.full:
    sw   t2, 0(t1)
    li   a0, NIL
    ret

# swap_free: slot a0 is free again.
#   a0 = slot. Clobbers t0, t1.
swap_free:
    la   t0, k_swap_map
    lw   t0, 0(t0)
    add  t0, t0, a0
    sb   zero, 0(t0)
    la   t0, k_swap_hint
    lw   t1, 0(t0)
    bgeu a0, t1, .done
    sw   a0, 0(t0)
.done:
    ret

# swap_release: free every slot of process a0 (at exit).
#   a0 = pid. Clobbers a0, a1, t0-t4.
swap_release:
    push lr
    la   t0, k_swap_map
    lw   t2, 0(t0)
    la   t3, k_swap_slots
    lw   t3, 0(t3)
    li   t4, 0                      # t4 = slot
    mv   a1, a0
.loop:
    beq  t4, t3, .done
    add  t0, t2, t4
    lbu  t0, 0(t0)
    bne  t0, a1, .next
    mv   a0, t4
    call swap_free                  # clobbers t0, t1 only
.next:
    addi t4, t4, 1
    j    .loop
.done:
    pop  lr
    ret

# swap_hog: the process holding the most swap slots, preferring process a0 on a tie (the swap
# area is full and some process must end: the one that took the most of it, not one that
# happened to need a slot at that moment).
#   a0 = pid. Returns a0 = the pid holding the most slots (a0 itself if none holds more).
#   Clobbers a1, t0-t4.
swap_hog:
    la   t0, k_swap_count           # clear the counts
    li   t1, NPROC + 1
.clear:
    sw   zero, 0(t0)
    addi t0, t0, WORD_SIZE
    addi t1, t1, -1
    bnez t1, .clear
    la   t0, k_swap_map             # count: one pass over the map
    lw   t0, 0(t0)
    la   t1, k_swap_slots
    lw   t1, 0(t1)
    add  t1, t1, t0                 # t1 = end of the map
    la   t2, k_swap_count
.count:
    beq  t0, t1, .pick
    lbu  t3, 0(t0)
    slli t3, t3, WORD_SHIFT
    add  t3, t3, t2
    lw   t4, 0(t3)
    addi t4, t4, 1
    sw   t4, 0(t3)
    addi t0, t0, 1
    j    .count
.pick:
    slli t3, a0, WORD_SHIFT         # a1 = best count so far: a0's own
    add  t3, t3, t2
    lw   a1, 0(t3)
    li   t0, 1                      # t0 = pid looked at
    la   t1, k_nprocs
    lw   t1, 0(t1)
.next:
    bgtu t0, t1, .done
    slli t3, t0, WORD_SHIFT
    add  t3, t3, t2
    lw   t4, 0(t3)
    bleu t4, a1, .skip              # strictly more only: ties stay with a0, then the lowest pid
    mv   a1, t4
    mv   a0, t0
.skip:
    addi t0, t0, 1
    j    .next
.done:
    ret
