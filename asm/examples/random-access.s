# random-access.s: random reads and writes over a large heap region. It grows the heap by
# 512 KiB (128 pages, 131,072 words) and picks words with a linear congruential generator
# (x = x * 1664525 + 1013904223, seeded with SEED; the word index is the top 17 bits of x):
#
#   1. STEPS times: a[index] ^= x (a random load and store), keeping the xor of every x
#   2. reads the region in order: the xor of all its words must equal that running xor
#   3. replays the same STEPS updates from the same seed: x ^ x = 0, so every word must be
#      back to 0; counts the words that are not
#
# The accesses have no locality, so once the region is larger than the frames (--frames 32,
# say, or several programs sharing the default 64) most of them fault, and the evicted pages
# are dirty: a test of swap under random traffic.
#
# Prints the xor with its expected value and the number of words not back to zero; exits 0
# when both checks pass, else 1.
#
#   vmlab run asm/examples/random-access.s --frames 32 --stats
#   vmlab run asm/examples/random-access.s --frames 32 --replace random --seed 7 --stats

.include "../lib/user.s"

.equ INDEX_BITS, 17                 # 2^17 words = 512 KiB
.equ BYTES, 4 << INDEX_BITS
.equ STEPS, 2000
.equ SEED, 12345
.equ LCG_MUL, 1664525
.equ LCG_ADD, 1013904223

.text
_start:
    li   a0, BYTES
    call sbrk
    li   t0, -1
    beq  a0, t0, .no_heap
    mv   s0, a0                     # s0 = the region
    li   s1, BYTES
    add  s1, s0, s1                 # s1 = its end

    mv   a0, s0                     # 1. the updates: s2 = xor of every x
    call updates
    mv   s2, a0

    mv   t0, s0                     # 2. s3 = xor of every word
    li   s3, 0
.xor_all:
    lw   t1, 0(t0)
    xor  s3, s3, t1
    addi t0, t0, 4
    bne  t0, s1, .xor_all

    mv   a0, s0                     # 3. undo, then s1 = words not back to zero
    call updates
    mv   t0, s0
    mv   t2, s1
    li   s1, 0
.zero_all:
    lw   t1, 0(t0)
    snez t1, t1
    add  s1, s1, t1
    addi t0, t0, 4
    bne  t0, t2, .zero_all

    la   a0, msg_head
    call print_str
    li   a0, STEPS
    call print_int
    la   a0, msg_over
    call print_str
    li   a0, BYTES / 1024
    call print_int
    la   a0, msg_xor
    call print_str
    mv   a0, s3
    call print_hex
    la   a0, msg_expected
    call print_str
    mv   a0, s2
    call print_hex
    la   a0, msg_undone
    call print_str
    mv   a0, s1
    call print_int
    la   a0, msg_tail
    call print_str
    xor  t0, s2, s3
    or   a0, t0, s1
    snez a0, a0                     # exit 0 iff the xor matched and every word is 0 again
    call exit

.no_heap:
    la   a0, msg_no_heap
    call print_str
    li   a0, 2
    call exit

# updates: STEPS times, x = next(x) from SEED, a[top INDEX_BITS bits of x] ^= x, where a is
# the word array at a0. Returns a0 = the xor of every x. Uses a0-a3, t0-t4.
updates:
    li   t0, SEED                   # t0 = x
    li   t1, LCG_MUL
    li   t2, LCG_ADD
    li   a1, STEPS
    li   a2, 0                      # a2 = xor of every x
.step:
    mul  t0, t0, t1
    add  t0, t0, t2
    srli t3, t0, 32 - INDEX_BITS
    slli t3, t3, 2
    add  t3, t3, a0                 # t3 = &a[index]
    lw   t4, 0(t3)
    xor  t4, t4, t0
    sw   t4, 0(t3)
    xor  a2, a2, t0
    addi a1, a1, -1
    bnez a1, .step
    mv   a0, a2
    ret

.data
msg_head:     .asciz "random-access: "
msg_over:     .asciz " random updates over "
msg_xor:      .asciz " KiB: xor "
msg_expected: .asciz " (expected "
msg_undone:   .asciz "), after undoing them "
msg_tail:     .asciz " words not zero\n"
msg_no_heap:  .asciz "random-access: sbrk failed\n"
