# frames.s: the user frame pool, page replacement, and the swap map.
#
# Every user frame has a record in the frame table (layout.s, FT_*). A frame is either free, on
# the free list, or holds one page of one process, on the resident list. The resident list is
# kept in the order frames were given to their pages, so its head is the FIFO victim. It is a
# ring: the newest frame's next is the oldest, so that the oldest frame, taken for a new page,
# becomes the newest by one step of the head.
#
# A frame is busy (FT_BUSY) from the fault that takes it until its page-in completes: a
# write-out of the page it held and the read (or zero-fill) of its new page are queued. A busy
# frame is never chosen as a victim, and its PTE is not touched (for a process that ended, the
# table holding it is already freed).

.data                           # kernel variables live in .data (layout.s)
.align 4
k_frame_table:  .space 4        # kernel address of the frame table (carved from the reserve)
k_free_frames:  .space 4        # first free frame, or NIL
k_res_head:     .space 4        # resident ring: oldest frame (its FT_PREV is the newest), or NIL
k_clock_hand:   .space 4        # clock policy: the next frame to look at
k_random:       .space 4        # random policy: xorshift32 state (never 0)
k_victim:       .space 4        # the policy's victim_* function (frame_take jumps there)
k_aging:        .space 4        # 1 under the aging policy (its clock: age_if_due), else 0
k_swap_map:     .space 4        # kernel address of the swap map: one byte per slot, owner pid
k_swap_hint:    .space 4        # every slot below this one is taken
k_swap_top:     .space 4        # no slot from this one up has ever been taken
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
    la   t0, k_swap_top
    sw   zero, 0(t0)
    li   t1, NIL
    la   t0, k_free_frames
    sw   t1, 0(t0)
    la   t0, k_res_head
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
    la   t0, k_policy
    lw   t0, 0(t0)
    addi t0, t0, -REPLACE_AGING
    seqz t0, t0
    la   t1, k_aging
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

# res_append: frame a0, not on the resident ring, becomes its newest: it goes in just before
# the oldest (k_res_head), or alone if the ring is empty.
#   a0 = frame, a1 = its record. Clobbers a2, a3, t0.
res_append:
    lui  t0, %hi(k_res_head)
    lw   a2, %lo(k_res_head)(t0)    # a2 = the oldest frame, or NIL
    li   a3, NIL
    bne  a2, a3, .join
    sw   a0, %lo(k_res_head)(t0)    # alone: its own next and previous
    sw   a0, FT_NEXT(a1)
    sw   a0, FT_PREV(a1)
    ret
.join:
    lw   a3, %lo(k_frame_table)(t0) # a3 = the frame table (the same %hi: layout.s)
    sw   a2, FT_NEXT(a1)            # frame.next = the oldest
    slli t0, a2, FTE_SHIFT
    add  t0, t0, a3                 # t0 = the oldest's record
    lw   a2, FT_PREV(t0)            # a2 = the newest so far
    sw   a0, FT_PREV(t0)            # oldest.prev = frame
    sw   a2, FT_PREV(a1)            # frame.prev = the newest so far
    slli t0, a2, FTE_SHIFT
    add  t0, t0, a3
    sw   a0, FT_NEXT(t0)            # (the newest so far).next = frame
    ret

# res_remove: take frame a0 off the resident ring.
#   a0 = frame, a1 = its record. Clobbers a2, a3, t0, t1.
res_remove:
    lw   a2, FT_PREV(a1)            # a2 = the previous frame
    lw   a3, FT_NEXT(a1)            # a3 = the next frame
    lui  t0, %hi(k_res_head)
    bne  a3, a0, .unlink
    li   a2, NIL                    # it was alone: the ring is empty now
    sw   a2, %lo(k_res_head)(t0)
    ret
.unlink:
    lw   t1, %lo(k_res_head)(t0)
    bne  t1, a0, .relink
    sw   a3, %lo(k_res_head)(t0)    # the oldest goes: the next one is the oldest now
.relink:
    lw   t1, %lo(k_frame_table)(t0) # t1 = the frame table (the same %hi: layout.s)
    slli t0, a2, FTE_SHIFT
    add  t0, t0, t1
    sw   a3, FT_NEXT(t0)            # previous.next = next
    slli t0, a3, FTE_SHIFT
    add  t0, t0, t1
    sw   a2, FT_PREV(t0)            # next.prev = previous
    ret

# res_move: frame a0, on the resident ring but not its oldest, becomes its newest (it was
# given to a new page). (For the oldest frame, the FIFO victim, that is one step of the head:
# the ring stays as it is, and the frame is now the one before the head. evict does that
# itself, and calls res_move for any other frame.)
#   a0 = frame, a1 = its record; both survive. Clobbers a2, a3, t0, t1.
res_move:
    push lr
    call res_remove                 # (a0 and a1 survive it)
    pop  lr
    j    res_append                 # a tail call

# frame_release: frame a0 no longer holds a page: off the resident list, onto the free list.
#   The caller has already dealt with the PTE and the swap slot.
#   a0 = frame. Clobbers a0-a3, t0, t1.
frame_release:
    push lr
    push s0
    push s1
    mv   s0, a0
    call frame_entry
    mv   s1, a0                     # s1 = its record
    mv   a0, s0
    mv   a1, s1
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

# frame_take: a frame for a new page of process s0: a free one if there is one, else a victim
# chosen by the replacement policy, evicted (a dirty victim's write-out prepared).
#   s0 = the PCB of the process that faults (page_in's): a write-out uses its PCB_RQ_OUT.
#   Returns a0 = the frame, now the newest on the resident list (the caller fills the rest of
#   its record); a1 = 1 if the write-out of its old page is filled in (PCB_RQ_OUT) for the
#   caller to queue, ahead of any request that puts data in the frame; else 0; a2 = its record.
#   a0 = NIL if every frame is busy; a0 = FRAME_SWAP_FULL if the victim needed a swap slot and
#   none is left (nothing was changed then).
#   Clobbers a3, t0-t4.
frame_take:
    lui  t0, %hi(k_free_frames)
    lw   a0, %lo(k_free_frames)(t0)
    bltz a0, .evict                 # NIL: none free
    lw   a2, %lo(k_frame_table)(t0) # (the same %hi: layout.s)
    slli t2, a0, FTE_SHIFT
    add  a1, a2, t2                 # a1 = its record
    lw   t1, FT_NEXT(a1)
    sw   t1, %lo(k_free_frames)(t0) # off the free list...
    push lr
    call res_append                 # ...onto the resident ring (clobbers a2, a3, t0 only)
    pop  lr
    mv   a2, a1
    li   a1, 0
    ret
.evict:
    # The policy's victim_* function, chosen at boot, picks the frame and goes on to evict,
    # which answers for frame_take (or answers NIL itself).
    lw   t0, %lo(k_victim)(t0)      # (the same %hi: layout.s)
    jr   t0

# evict: take frame a0's page away from its owner, for a new page of process s0.
#   The PTE becomes "not present": the page's swap slot if it has one (a dirty page without one
#   gets one now), else 0 (it will be read again from where it came). A dirty page's write to
#   its slot is filled in in process s0's write-out record (PCB_RQ_OUT), for the caller to
#   queue (frame_take). The frame becomes the newest on the resident list.
#   a0 = frame (not busy, on the resident list), a1 = its record, s0 = the faulting PCB.
#   Returns as frame_take does: a0 = the frame, a1 = 1 if a write-out was filled in, 0 if the
#   page was clean, a2 = its record; or a0 = FRAME_SWAP_FULL if the page needed a slot and none
#   was free (then nothing has changed).
#   Clobbers a3, t0-t4.
evict:
    addi sp, sp, -8                 # push lr, s1
    sw   lr, 4(sp)
    sw   s1, 0(sp)
    mv   s1, a1                     # s1 = the record
    mv   a1, a0                     # a1 = the frame
    lw   t0, FT_PTE(s1)
    lw   a2, 0(t0)
    andi a2, a2, PTE_D              # a2 = PTE_D if the page is dirty, else 0
    lw   a3, FT_SLOT(s1)            # a3 = its swap slot, or NIL
    beqz a2, .unmap                 # clean: whatever copy it came from is still good
    bgez a3, .unmap                 # (not NIL: it has a slot)
    lw   a0, FT_PID(s1)
    call swap_alloc                 # (clobbers a0, t0-t4 only)
    li   t0, NIL
    beq  a0, t0, .swap_full
    mv   a3, a0
    sw   a3, FT_SLOT(s1)
.unmap:
    li   t0, 0                      # never saved: reload from the region
    bltz a3, .set_pte               # (NIL: no slot)
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
    lw   a0, FT_PID(s1)             # a0 = the owner's PCB (pcb_of_pid, inline: pid 1 is the
    slli a0, a0, PCB_SHIFT          # first in the table)
    la   t0, proc_table - PCB_SIZE
    add  a0, a0, t0
    lw   t0, PCB_RESIDENT(a0)
    addi t0, t0, -1
    sw   t0, PCB_RESIDENT(a0)
    li   t1, 0                      # t1 = 1 if written out
    beqz a2, .report                # clean: nothing to write
    # Dirty: its write to the slot, for page_in to queue just ahead of the page-in that fills
    # the frame again (the disk serves requests in order): both are queued at once.
    addi t2, s0, PCB_RQ_OUT         # t2 = the record (its RQ_KIND is RQ_WRITE for good)
    lui  t0, %hi(k_swap_first)
    lw   t0, %lo(k_swap_first)(t0)
    add  t0, t0, a3
    sw   t0, RQ_BLOCK(t2)
    sw   a1, RQ_FRAME(t2)
    sw   a0, RQ_PCB(t2)
    sw   zero, RQ_TRIES(t2)
    li   t1, 1
.report:
    # PAGE_OUT: pid, vpn, frame, 1 if written out (as `monitor` does, inline).
    lui  t0, %hi(k_mon)             # (t0 = the %hi of the k_* words, k_res_head below too)
    lw   t2, FT_PID(s1)
    sw   t2, %lo(k_mon) + MA_0(t0)
    lw   t2, FT_VPN(s1)
    sw   t2, %lo(k_mon) + MA_1(t0)
    sw   a1, %lo(k_mon) + MA_2(t0)
    sw   t1, %lo(k_mon) + MA_3(t0)
    lui  t3, %hi(MONITOR_BASE)
    li   t2, EV_PAGE_OUT
    sw   t2, %lo(MONITOR_BASE) + MON_EVENT(t3) # the event last: writing it delivers the arguments
    # The frame becomes the newest on the resident ring: for the oldest (FIFO's victim, nearly
    # always), one step of the head; for another, res_move.
    lw   t2, %lo(k_res_head)(t0)
    bne  t2, a1, .move
    lw   t2, FT_NEXT(s1)
    sw   t2, %lo(k_res_head)(t0)
    mv   a0, a1
    mv   a1, t1
    mv   a2, s1
.out:
    lw   lr, 4(sp)
    lw   s1, 0(sp)
    addi sp, sp, 8                  # pop them
    ret
.move:
    mv   t4, t1                     # t4 = 1 if written out
    mv   a0, a1
    mv   a1, s1
    call res_move                   # (clobbers a2, a3, t0, t1 only)
    mv   a1, t4
    mv   a2, s1
    j    .out
.swap_full:
    li   a0, FRAME_SWAP_FULL
    j    .out

# The victim_* functions: the frame the replacement policy gives up next. Free frames are not
# candidates (frame_take uses them first), nor busy ones. frame_take jumps to the one of the
# policy (k_victim, chosen at boot by frames_init), with the faulting PCB in s0.
#   Each goes on to evict with a0 = the frame and a1 = its record, or returns a0 = NIL if every
#   frame is busy. Clobbers a2, a3, t0-t4 before that.

# victim_fifo: the oldest frame that is not busy: the first on the resident list.
victim_fifo:
    lui  t0, %hi(k_res_head)
    lw   a0, %lo(k_res_head)(t0)    # a0 = frame, the oldest first (not NIL: no frame is free,
    lw   t1, %lo(k_frame_table)(t0) # so every frame is on the ring) (the same %hi: layout.s)
.loop:
    slli a1, a0, FTE_SHIFT
    add  a1, a1, t1                 # a1 = its record
    lw   t2, FT_BUSY(a1)
    beqz t2, evict                  # the victim
    lw   a0, FT_NEXT(a1)
    lw   t2, %lo(k_res_head)(t0)    # (t0 = its %hi still)
    bne  a0, t2, .loop              # round the ring once
    li   a0, NIL                    # every frame is busy
    ret

# victim_clock: second chance. The hand sweeps the frames; a page whose A bit is set loses it
# and is passed over, the first page found with A clear is the victim and the hand moves past
# it. Two sweeps always find one unless every frame is busy.
victim_clock:
    lui  t0, %hi(k_nframes)         # (one %hi for the three: layout.s)
    lw   a3, %lo(k_nframes)(t0)     # a3 = number of frames
    slli t4, a3, 1                  # t4 = steps left: two sweeps
    lw   a2, %lo(k_frame_table)(t0) # a2 = the frame table
    lw   a0, %lo(k_clock_hand)(t0)  # a0 = frame under the hand
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
    lui  t0, %hi(k_clock_hand)
    sw   a0, %lo(k_clock_hand)(t0)  # the hand, past the victim
    mv   a0, t3                     # (a1 = its record)
    j    evict
.none:
    lui  t0, %hi(k_clock_hand)
    sw   a0, %lo(k_clock_hand)(t0)
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
    lw   a2, %lo(k_res_head)(t0)    # a2 = frame, oldest first (the same %hi: layout.s)
    li   t3, NIL
    beq  a2, t3, .done
    mv   t3, a2                     # t3 = where the ring starts
.loop:
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
    bne  a2, t3, .loop
.done:
    li   t0, NIL
    bne  a0, t0, evict              # (a1 = its record)
    ret                             # every frame busy

# victim_random: a frame drawn uniformly among those not busy, with a xorshift32 generator
# seeded from the boot block (so a run is repeatable).
victim_random:
    lui  t0, %hi(k_nframes)
    lw   a3, %lo(k_nframes)(t0)
    slli a3, a3, FTE_SHIFT
    lw   a2, %lo(k_frame_table)(t0) # a2 = the frame table (the same %hi: layout.s)
    add  a3, a3, a2                 # a3 = its end
    # Count the candidates.
    mv   a1, a2                     # a1 = record
    li   t4, 0                      # t4 = candidates
.count:                             # (there is at least one frame)
    lw   t0, FT_PID(a1)
    lw   t1, FT_BUSY(a1)
    addi a1, a1, FTE_SIZE
    beqz t0, .counted               # free
    bnez t1, .counted               # busy
    addi t4, t4, 1
.counted:
    bne  a1, a3, .count
.draw:
    li   a0, NIL
    beqz t4, .out
    lui  t0, %hi(k_random)          # one step of xorshift32 (layout.s)
    lw   t1, %lo(k_random)(t0)
    slli t2, t1, XORSHIFT_A
    xor  t1, t1, t2
    srli t2, t1, XORSHIFT_B
    xor  t1, t1, t2
    slli t2, t1, XORSHIFT_C
    xor  t1, t1, t2
    sw   t1, %lo(k_random)(t0)
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
    srli a0, a0, FTE_SHIFT          # a0 = frame (a1 = its record)
    j    evict
.out:
    ret                             # every frame busy

# age_tick: one tick of the aging policy: every page's age shifts right and its A bit enters
# at the top; A is cleared (and the TLB entry dropped, as in victim_clock, so that the next
# access walks and sets A again). Busy frames are skipped: their PTE is not valid yet.
#   Clobbers a0-a3, t0-t4.
age_tick:
    lui  t0, %hi(k_nframes)
    lw   a3, %lo(k_nframes)(t0)
    slli a3, a3, FTE_SHIFT
    lw   a0, %lo(k_frame_table)(t0) # a0 = record (the same %hi: layout.s)
    add  a3, a3, a0                 # a3 = end of the frame table (there is at least one frame)
.loop:
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
    bne  a0, a3, .loop
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
    la   t0, k_swap_top
    lw   t3, 0(t0)
    bgeu t3, t4, .below_top
    sw   t4, 0(t0)                  # the highest slot taken so far
.below_top:
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

# swap_release: free every slot of process a0 (at exit). Only the slots below k_swap_top are
# looked at: the others were never taken (the swap area can be far larger than what is used).
#   a0 = pid. Clobbers a0, a1, t0-t4.
swap_release:
    push lr
    la   t0, k_swap_map
    lw   t2, 0(t0)
    la   t3, k_swap_top
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
