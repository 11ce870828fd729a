# stack-growth.s: a recursion that grows the stack over many pages. descend(d) takes a 1 KiB
# frame, fills it with a pattern of its depth, calls descend(d + 1) down to depth 500, then
# checks its own frame once the deeper calls have returned. 500 frames are 500 KiB: 125 pages,
# about twice the default 64 frames, so while the recursion goes down the first pages of the
# stack are evicted (dirty, to swap), and on the way back up each is brought back and checked.
#
# The stack region grows on demand: every page below 0x80000000 down to the stack limit
# (--stack-pages, 256 pages = 1 MiB by default) is valid, and is zero-filled on first touch.
# With --stack-pages 100 the recursion runs past the limit and the kernel ends the process.
#
# Prints the depth, the lowest stack pointer and the number of words that did not hold their
# pattern, and exits 0 if there were none, 1 otherwise.
#
#   vmlab run asm/examples/stack-growth.s --stats
#   vmlab run asm/examples/stack-growth.s --stack-pages 100      (killed: past the stack limit)

.include "../lib/user.s"

.equ DEPTH, 500
.equ FRAME, 1024                    # bytes per call
.equ SAVED, 3 * 4                   # lr, s0, s1 at the top of the frame
.equ LOCALS, (FRAME - SAVED) / 4    # pattern words below them

.text
_start:
    li   a0, 1
    call descend
    mv   s0, a0                     # s0 = bad words

    la   a0, msg_depth
    call print_str
    li   a0, DEPTH
    call print_int
    la   a0, msg_lowest
    call print_str
    la   t0, lowest_sp
    lw   a0, 0(t0)
    call print_hex
    la   a0, msg_bad
    call print_str
    mv   a0, s0
    call print_int
    li   a0, '\n'
    call print_char
    snez a0, s0
    call exit

# descend: a0 = depth d (1..DEPTH). Fills LOCALS words of its frame with d << 16 | i (word i),
# recurses until DEPTH, then checks them. Returns a0 = words found wrong in this frame and all
# deeper ones. Preserves s0-s3.
descend:
    addi sp, sp, -FRAME
    sw   lr, FRAME - 4(sp)
    sw   s0, FRAME - 8(sp)
    sw   s1, FRAME - 12(sp)
    slli s0, a0, 16                 # s0 = d << 16
    li   s1, 0                      # s1 = bad words

    mv   t0, sp                     # fill
    li   t1, 0                      # t1 = i
    li   t3, LOCALS
.fill:
    or   t2, s0, t1
    sw   t2, 0(t0)
    addi t0, t0, 4
    addi t1, t1, 1
    bne  t1, t3, .fill

    srli t0, s0, 16
    li   t1, DEPTH
    bge  t0, t1, .deepest
    addi a0, t0, 1
    call descend
    mv   s1, a0
    j    .check
.deepest:
    la   t0, lowest_sp
    sw   sp, 0(t0)

.check:
    mv   t0, sp
    li   t1, 0
    li   t3, LOCALS
.check_word:
    lw   t2, 0(t0)
    or   t4, s0, t1
    beq  t2, t4, .check_ok
    addi s1, s1, 1
.check_ok:
    addi t0, t0, 4
    addi t1, t1, 1
    bne  t1, t3, .check_word

    mv   a0, s1
    lw   lr, FRAME - 4(sp)
    lw   s0, FRAME - 8(sp)
    lw   s1, FRAME - 12(sp)
    addi sp, sp, FRAME
    ret

.data
lowest_sp:  .word 0
msg_depth:  .asciz "stack-growth: depth "
msg_lowest: .asciz ", 1 KiB per call, lowest sp "
msg_bad:    .asciz ", bad words: "
