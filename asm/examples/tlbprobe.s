# tlbprobe.s: measures the TLB from user mode, in the spirit of the TLB homework of OSTEP
# (measure.c). For NUMPAGES = 1, 2, 4, ..., 256 it loads one word from each of NUMPAGES
# consecutive heap pages, over and over, times each trial with rdcycle, and prints the cost of
# one access:
#
#   pages  cycles/access
#   -----  -------------
#       1           6.00
#     ...
#
# Each row first touches its pages twice (untimed), so that they are in memory and in the TLB:
# page faults are not part of the timing. Then it runs TRIALS trials and keeps the fastest (a
# trial that a timer interrupt landed in is slower), minus the cost of timing an empty loop.
# A hit costs the loop's 6 cycles per access (load 2, two adds, a taken branch 2); once the pages
# and the code page no longer fit in the TLB, LRU misses on every access and each one adds its
# walk (2 cycles, plus 10 per PTE read: 28 in all with 2 levels). So the jump shows at the TLB
# size:
#
#   vmlab run asm/examples/tlbprobe.s --tlb 16           (jump between 8 and 16 pages)
#   vmlab run asm/examples/tlbprobe.s --tlb 64 --frames 300
#   vmlab run asm/examples/tlbprobe.s --tlb 64 --tlb-ways 4 --frames 300 --levels 3
#
# The timed pages must also fit in memory: with the default 64 frames, 64 pages and the code,
# stack and data pages do not, so at 64 pages every access is a page fault. The table then
# says so and stops (use --frames 300 to see every row).

.include "../lib/user.s"

.equ MAXPAGES, 256
.equ TRIALS, 20
.equ PAGING, 200                    # cycles per access: more than any walk, less than a fault

.text
_start:
    li   a0, MAXPAGES * PAGE_SIZE
    call sbrk
    li   t0, -1
    beq  a0, t0, .no_heap
    mv   s0, a0                     # s0 = the pages
    li   a1, 0                      # s3 = the cost of timing nothing
    call probe
    mv   s3, a0
    la   a0, msg_head
    call print_str
    li   s1, 1                      # s1 = NUMPAGES

.size:
    mv   a0, s0                     # warm up: bring the pages in, then into the TLB
    mv   a1, s1
    call probe
    mv   a0, s0
    mv   a1, s1
    call probe

    li   s2, -1                     # s2 = fastest trial (unsigned), t4 = trials left
    li   t4, TRIALS
.trial:
    mv   a0, s0
    mv   a1, s1
    call probe                      # (probe leaves t4 alone)
    bgeu a0, s2, .slower
    mv   s2, a0
.slower:
    addi t4, t4, -1
    li   t0, TRIALS - 3             # after 3 trials, give up on a row that pages
    bne  t4, t0, .next_trial
    li   t0, PAGING
    mul  t0, t0, s1
    bgeu s2, t0, .paging
.next_trial:
    bnez t4, .trial

    mv   a0, s1                     # the row: pages, then (fastest - empty) / pages, 2 decimals
    li   a1, 5
    call print_padded
    sub  s2, s2, s3
    li   t0, 100
    mul  s2, s2, t0
    divu s2, s2, s1                 # s2 = hundredths of a cycle per access
    li   t0, 100
    divu a0, s2, t0
    li   a1, 12                     # so that the figure ends under "cycles/access"
    call print_padded
    li   a0, '.'
    call print_char
    li   t0, 100
    remu s2, s2, t0
    li   t0, 10
    divu a0, s2, t0
    call print_int
    li   t0, 10
    remu a0, s2, t0
    call print_int
    li   a0, '\n'
    call print_char
    j    .next_size

.paging:                            # larger sizes would page too: stop here
    mv   a0, s1
    li   a1, 5
    call print_padded
    la   a0, msg_paging
    call print_str
    li   a0, 0
    call exit

.next_size:
    slli s1, s1, 1
    li   t0, MAXPAGES
    bleu s1, t0, .size
    li   a0, 0
    call exit

.no_heap:
    la   a0, msg_no_heap
    call print_str
    li   a0, 2
    call exit

# probe: loads the first word of each of a1 pages from a0 on, and returns a0 = the cycles that
# took, as two rdcycles see them: 6 per page when the TLB hits, + 5 for the timing itself.
# Touches nothing else (no stack): the only data pages in the timed part are the probed ones.
# Uses a0, a1, t0-t3.
probe:
    li   t1, PAGE_SIZE
    rdcycle t3
    j    .test
.load:
    lw   t2, 0(a0)
    add  a0, a0, t1
    addi a1, a1, -1
.test:
    bnez a1, .load
    rdcycle t0
    sub  a0, t0, t3
    ret

# print_padded: prints a0 (unsigned) in decimal, right-aligned in a1 columns (at most 16).
# Uses a0-a3, t0-t3, and 16 bytes of stack.
print_padded:
    addi sp, sp, -16
    addi a3, sp, 16                 # digits, backwards
    li   t1, 10
.digit:
    remu t0, a0, t1
    divu a0, a0, t1
    addi t0, t0, '0'
    addi a3, a3, -1
    sb   t0, 0(a3)
    addi a1, a1, -1
    bnez a0, .digit
    li   t0, ' '
.pad:
    blez a1, .out
    addi a3, a3, -1
    sb   t0, 0(a3)
    addi a1, a1, -1
    j    .pad
.out:
    mv   a1, a3
    addi a2, sp, 16
    sub  a2, a2, a3
    li   a0, 1
    li   t0, SYS_WRITE
    syscall
    addi sp, sp, 16
    ret

.data
msg_head:    .asciz "pages  cycles/access\n-----  -------------\n"
msg_paging:  .asciz "  page faults: more pages than frames, stopping here (try --frames 300)\n"
msg_no_heap: .asciz "tlbprobe: sbrk failed\n"
