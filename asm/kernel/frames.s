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

.data                           # kernel variables live in .data (layout.s)
.align 4
k_frame_table:  .space 4        # kernel address of the frame table (carved from the reserve)
k_free_frames:  .space 4        # first free frame, or NIL
k_res_head:     .space 4        # resident list: oldest frame, or NIL
k_res_tail:     .space 4        # resident list: newest frame, or NIL
k_clock_hand:   .space 4        # clock policy: the next frame to look at
k_random:       .space 4        # random policy: xorshift32 state (never 0)
k_victim:       .space 4        # the policy's victim_* function (policy_victim jumps there)
k_swap_map:     .space 4        # kernel address of the swap map: one byte per slot, owner pid
k_swap_hint:    .space 4        # every slot below this one is taken
k_swap_count:   .space (NPROC + 1) * WORD_SIZE  # swap_hog: slots held, by pid (scratch)

.data
.align 4
# The victim functions by policy number (REPLACE_FIFO, CLOCK, AGING, RANDOM: boot.s checks the
# number is at most REPLACE_RANDOM).
victim_by_policy: .word victim_fifo, victim_clock, victim_aging, victim_random

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
    la   t0, k_policy          # the policy's victim function, once and for all
    lw   t0, 0(t0)
    slli t0, t0, WORD_SHIFT
    la   t1, victim_by_policy
    add  t0, t0, t1
    lw   t0, 0(t0)
    la   t1, k_victim
    sw   t0, 0(t1)
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
#   a0 = frame, a1 = its record. Clobbers a2, a3, t0.
res_append:
    li   t0, NIL
    sw   t0, FT_NEXT(a1)
    lui  a2, %hi(k_res_tail)
    lw   a3, %lo(k_res_tail)(a2)    # a3 = the old tail
    sw   a0, %lo(k_res_tail)(a2)    # tail = frame
    sw   a3, FT_PREV(a1)
    beq  a3, t0, .first
    lui  a2, %hi(k_frame_table)
    lw   a2, %lo(k_frame_table)(a2)
    slli a3, a3, FTE_SHIFT
    add  a3, a3, a2
    sw   a0, FT_NEXT(a3)            # old tail -> frame
    ret
.first:
    lui  a2, %hi(k_res_head)
    sw   a0, %lo(k_res_head)(a2)
    ret

# res_remove: take a frame off the resident list.
#   a0 = the frame's record. Clobbers a0-a2, t0.
res_remove:
    lui  t0, %hi(k_frame_table)
    lw   t0, %lo(k_frame_table)(t0) # t0 = the frame table (records: t0 + frame << FTE_SHIFT)
    lw   a1, FT_PREV(a0)
    lw   a2, FT_NEXT(a0)
    li   a0, NIL
    # prev.next = next (or head = next)
    bne  a1, a0, .has_prev
    lui  a0, %hi(k_res_head)
    sw   a2, %lo(k_res_head)(a0)
    j    .fix_next
.has_prev:
    slli a0, a1, FTE_SHIFT
    add  a0, a0, t0
    sw   a2, FT_NEXT(a0)
.fix_next:
    # next.prev = prev (or tail = prev)
    li   a0, NIL
    bne  a2, a0, .has_next
    lui  a0, %hi(k_res_tail)
    sw   a1, %lo(k_res_tail)(a0)
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
    push s1
    mv   s0, a0
    call frame_entry
    mv   s1, a0                     # s1 = its record
    call res_remove
    sw   zero, FT_PID(s1)
    sw   zero, FT_BUSY(s1)
    li   t0, NIL
    sw   t0, FT_SLOT(s1)
    sw   t0, FT_PREV(s1)
    la   a1, k_free_frames
    lw   t0, 0(a1)
    sw   t0, FT_NEXT(s1)
    sw   s0, 0(a1)
    pop  s1
    pop  s0
    pop  lr
    ret

# frame_take: a frame for a new page: a free one if there is one, else a victim chosen by the
# replacement policy, evicted (a dirty victim's write-out is queued first).
#   No argument. Returns a0 = the frame, off every list (the caller fills its record and
#   appends it to the resident list); a1 = 1 if a write-out of it was queued, else 0;
#   a2 = its record.
#   a0 = NIL if every frame is busy; a0 = FRAME_SWAP_FULL if the victim needed a swap slot and
#   none is left (nothing was changed then).
#   Clobbers a3, t0-t4.
frame_take:
    lui  t0, %hi(k_free_frames)
    lw   a0, %lo(k_free_frames)(t0)
    li   t1, NIL
    beq  a0, t1, .evict
    lui  a2, %hi(k_frame_table)
    lw   a2, %lo(k_frame_table)(a2)
    slli t2, a0, FTE_SHIFT
    add  a2, a2, t2                 # a2 = its record
    lw   t1, FT_NEXT(a2)
    sw   t1, %lo(k_free_frames)(t0) # off the free list
    li   a1, 0
    ret
.evict:
    push lr
    call policy_victim              # a0 = frame (or NIL), a1 = its record
    pop  lr
    li   t1, NIL
    bne  a0, t1, evict              # a tail call: evict answers as frame_take does
    ret                             # every frame busy

# evict: take frame a0's page away from its owner.
#   The PTE becomes "not present": the page's swap slot if it has one (a dirty page without one
#   gets one now), else 0 (it will be read again from where it came).
#   a0 = frame (not busy, on the resident list), a1 = its record.
#   Returns a0 = the frame, a1 = 1 if a write-out was queued, 0 if the page was clean, a2 = its
#   record; the frame is off the resident list. Or a0 = FRAME_SWAP_FULL if the page needed a
#   slot and none was free (then nothing has changed).
#   Clobbers a3, t0-t4.
evict:
    addi sp, sp, -12                # push lr, s0, s1
    sw   lr, 8(sp)
    sw   s0, 4(sp)
    sw   s1, 0(sp)
    mv   s0, a0                     # s0 = frame
    mv   s1, a1                     # s1 = its record
    lw   t0, FT_PTE(s1)
    lw   a2, 0(t0)
    andi a2, a2, PTE_D              # a2 = PTE_D if the page is dirty, else 0
    lw   a3, FT_SLOT(s1)            # a3 = its swap slot, or NIL
    beqz a2, .unmap                 # clean: whatever copy it came from is still good
    li   t0, NIL
    bne  a3, t0, .unmap
    lw   a0, FT_PID(s1)
    call swap_alloc                 # (clobbers a0, t0-t4 only)
    li   t0, NIL
    beq  a0, t0, .swap_full
    mv   a3, a0
    sw   a3, FT_SLOT(s1)
.unmap:
    li   t0, 0                      # never saved: reload from the region
    li   t1, NIL
    beq  a3, t1, .set_pte
    slli t0, a3, PTE_PFN_SHIFT
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
    lw   a0, FT_PID(s1)             # a0 = the owner's PCB (pcb_of_pid, inline)
    addi a0, a0, -1
    slli a0, a0, PCB_SHIFT
    la   t0, proc_table
    add  a0, a0, t0
    lw   t0, PCB_RESIDENT(a0)
    addi t0, t0, -1
    sw   t0, PCB_RESIDENT(a0)
    li   t1, 0                      # t1 = 1 if written out
    beqz a2, .report                # clean: nothing to write
    # Dirty: queue its write to the slot. The frame is overwritten only by requests queued
    # after this one, and the disk serves them in order.
    lui  t0, %hi(k_swap_first)
    lw   a2, %lo(k_swap_first)(t0)
    add  a2, a2, a3                 # a2 = block
    li   a0, RQ_WRITE
    mv   a1, s0
    lw   a3, FT_PID(s1)
    call rq_new
    call rq_submit
    li   t1, 1
.report:
    # PAGE_OUT: pid, vpn, frame, 1 if written out (as `monitor` does, inline).
    lui  t2, %hi(MONITOR_BASE)
    lw   t0, FT_PID(s1)
    sw   t0, %lo(MONITOR_BASE) + MON_ARG0(t2)
    lw   t0, FT_VPN(s1)
    sw   t0, %lo(MONITOR_BASE) + MON_ARG1(t2)
    sw   s0, %lo(MONITOR_BASE) + MON_ARG2(t2)
    sw   t1, %lo(MONITOR_BASE) + MON_ARG3(t2)
    li   t0, EV_PAGE_OUT
    sw   t0, %lo(MONITOR_BASE) + MON_EVENT(t2) # the event last: writing it delivers the arguments
    mv   a3, t1
    mv   a0, s1
    call res_remove                 # (clobbers a0-a2, t0 only: a3 survives)
    mv   a0, s0
    mv   a1, a3
    mv   a2, s1
    j    .out
.swap_full:
    li   a0, FRAME_SWAP_FULL
.out:
    lw   lr, 8(sp)
    lw   s0, 4(sp)
    lw   s1, 0(sp)
    addi sp, sp, 12                 # pop them
    ret

# policy_victim: the frame the replacement policy gives up next. Free frames are not
# candidates (frame_take uses them first), nor busy ones. Goes to the policy's victim_*
# function, chosen once at boot (k_victim, frames_init).
#   Returns a0 = frame and a1 = its record, or a0 = NIL if every frame is busy.
#   Clobbers a2, a3, t0-t4.
policy_victim:
    lui  t0, %hi(k_victim)
    lw   t0, %lo(k_victim)(t0)
    jr   t0                         # a tail call: the victim_* function returns to our caller

# victim_fifo: the oldest frame that is not busy: the first on the resident list.
victim_fifo:
    lui  t0, %hi(k_res_head)
    lw   a0, %lo(k_res_head)(t0)    # a0 = frame
    lui  t1, %hi(k_frame_table)
    lw   t1, %lo(k_frame_table)(t1) # t1 = the frame table
    li   t2, NIL
.loop:
    beq  a0, t2, .done              # (NIL: none)
    slli a1, a0, FTE_SHIFT
    add  a1, a1, t1                 # a1 = its record
    lw   t0, FT_BUSY(a1)
    beqz t0, .done
    lw   a0, FT_NEXT(a1)
    j    .loop
.done:
    ret

# victim_clock: second chance. The hand sweeps the frames; a page whose A bit is set loses it
# and is passed over, the first page found with A clear is the victim and the hand moves past
# it. Two sweeps always find one unless every frame is busy.
victim_clock:
    lui  t0, %hi(k_nframes)
    lw   a3, %lo(k_nframes)(t0)     # a3 = number of frames
    slli t4, a3, 1                  # t4 = steps left: two sweeps
    lui  t0, %hi(k_frame_table)
    lw   a2, %lo(k_frame_table)(t0) # a2 = the frame table
    la   t0, k_clock_hand
    lw   a0, 0(t0)                  # a0 = frame under the hand
.loop:
    beqz t4, .none
    addi t4, t4, -1
    slli a1, a0, FTE_SHIFT
    add  a1, a1, a2                 # a1 = its record
    mv   t3, a0                     # t3 = this frame; the hand moves on to a0
    addi a0, a0, 1
    bne  a0, a3, .look
    li   a0, 0
.look:
    lw   t1, FT_PID(a1)
    beqz t1, .loop                  # free
    lw   t1, FT_BUSY(a1)
    bnez t1, .loop
    lw   t1, FT_PTE(a1)
    lw   t2, 0(t1)
    andi t0, t2, PTE_A
    beqz t0, .found
    # Second chance: clear A. The TLB entry must go too: while the TLB holds the page, accesses
    # hit there and never walk, so the walker would not set A again and the page would look
    # unused however much it is used.
    xori t2, t2, PTE_A
    sw   t2, 0(t1)
    lw   t0, FT_VPN(a1)
    slli t0, t0, PAGE_SHIFT
    tlbinv t0
    j    .loop
.found:
    la   t0, k_clock_hand
    sw   a0, 0(t0)                  # the hand, past the victim
    mv   a0, t3
    ret
.none:
    la   t0, k_clock_hand
    sw   a0, 0(t0)
    li   a0, NIL
    ret

# victim_aging: the page with the lowest age; among equal ages, the one loaded first (the
# resident list is in load order). Ages are updated once per --quantum cycles by age_tick
# (age_if_due, proc.s).
# (Breaking ties by load order matters: between two ticks every new page has the same age,
# and a fixed order such as the lowest frame would take back a page just brought in.)
victim_aging:
    li   a0, NIL                    # a0 = best frame so far, a1 = its record
    li   a3, AGE_TOP << 1           # a3 = its age (above every real age)
    lui  t0, %hi(k_frame_table)
    lw   t4, %lo(k_frame_table)(t0) # t4 = the frame table
    la   t0, k_res_head
    lw   a2, 0(t0)                  # a2 = frame, oldest first
    li   t3, NIL
.loop:
    beq  a2, t3, .done
    slli t2, a2, FTE_SHIFT
    add  t2, t2, t4                 # t2 = its record
    lw   t0, FT_BUSY(t2)
    bnez t0, .next
    lw   t0, FT_AGE(t2)
    bgeu t0, a3, .next              # strictly younger only: the first of equals wins
    mv   a3, t0
    mv   a0, a2
    mv   a1, t2
.next:
    lw   a2, FT_NEXT(t2)
    j    .loop
.done:
    ret

# victim_random: a frame drawn uniformly among those not busy, with a xorshift32 generator
# seeded from the boot block (so a run is repeatable).
victim_random:
    lui  t0, %hi(k_nframes)
    lw   a3, %lo(k_nframes)(t0)
    slli a3, a3, FTE_SHIFT
    la   t0, k_frame_table
    lw   a2, 0(t0)                  # a2 = the frame table
    add  a3, a3, a2                 # a3 = its end
    # Count the candidates.
    mv   a1, a2                     # a1 = record
    li   t4, 0                      # t4 = candidates
.count:
    beq  a1, a3, .draw
    lw   t0, FT_PID(a1)
    lw   t1, FT_BUSY(a1)
    addi a1, a1, FTE_SIZE
    beqz t0, .count                 # free
    bnez t1, .count                 # busy
    addi t4, t4, 1
    j    .count
.draw:
    li   a0, NIL
    beqz t4, .out
    la   t0, k_random               # one step of xorshift32 (layout.s)
    lw   t1, 0(t0)
    slli t2, t1, XORSHIFT_A
    xor  t1, t1, t2
    srli t2, t1, XORSHIFT_B
    xor  t1, t1, t2
    slli t2, t1, XORSHIFT_C
    xor  t1, t1, t2
    sw   t1, 0(t0)
    remu t4, t1, t4                 # t4 = which candidate (0-based)
    mv   a1, a2
.find:
    lw   t0, FT_PID(a1)
    beqz t0, .skip
    lw   t0, FT_BUSY(a1)
    bnez t0, .skip
    beqz t4, .found
    addi t4, t4, -1
.skip:
    addi a1, a1, FTE_SIZE
    j    .find
.found:
    sub  a0, a1, a2
    srli a0, a0, FTE_SHIFT          # a0 = frame
.out:
    ret

# age_tick: one tick of the aging policy: every page's age shifts right and its A bit enters
# at the top; A is cleared (and the TLB entry dropped, as in victim_clock, so that the next
# access walks and sets A again). Busy frames are skipped: their PTE is not valid yet.
#   Clobbers a0-a3, t0-t4.
age_tick:
    lui  t0, %hi(k_nframes)
    lw   a3, %lo(k_nframes)(t0)
    slli a3, a3, FTE_SHIFT
    la   t0, k_frame_table
    lw   a0, 0(t0)                  # a0 = record
    add  a3, a3, a0                 # a3 = end of the frame table
.loop:
    beq  a0, a3, .done
    lw   t0, FT_PID(a0)
    beqz t0, .next
    lw   t0, FT_BUSY(a0)
    bnez t0, .next
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
.next:
    addi a0, a0, FTE_SIZE
    j    .loop
.done:
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
