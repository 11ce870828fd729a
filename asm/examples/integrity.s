# integrity.s: a paging integrity check. It grows the heap by 1 MiB (256 pages) and goes over
# all of it three times:
#
#   pass 1, forward:   write pattern 1 into every word
#   pass 2, backward:  check pattern 1 in every word, then write pattern 2 over it
#   pass 3, forward:   check pattern 2 in every word
#
# The pattern of the word at address a in pass p of process pid is (a | pid << 24 | p << 22)
# * 0x9E3779B1. The address uses bits 0-21 (the heap ends far below 4 MiB), so the three parts
# never overlap, and multiplying by an odd number is one-to-one: every word of every pass of
# every process has its own value, and none is 0. A page given back from the wrong place
# (another page, another process, an older copy, a zero-filled page instead of the swapped
# one) shows up as bad words. (The parts do not overlap, so the or is a sum, and the next
# word's pattern is this one's plus 4 * 0x9E3779B1: one add per word.)
#
# 256 pages are at least 4x the user frames for --frames up to 64 (the default): each pass
# sweeps more pages than fit, so with any policy nearly every page is evicted dirty and brought
# back from swap between passes. Several copies at once keep their data apart (each has its own
# heap, and the pid is in the pattern); give them at least 3 frames each.
#
# Prints "bad words: N" (N counts the checks that failed, at most two per word) and exits with
# 0 if N = 0, else 1.
#
#   vmlab run asm/examples/integrity.s --frames 8 --replace clock --stats
#   vmlab run asm/examples/integrity.s asm/examples/integrity.s asm/examples/integrity.s --frames 12

.include "../lib/user.s"

.equ PAGES, 256
.equ BYTES, PAGES * PAGE_SIZE
.equ MULT, 0x9E3779B1               # odd: x -> x * MULT is one-to-one, and scatters the bits
.equ PID_SHIFT, 24
.equ PASS_SHIFT, 22

.text
_start:
    slli s3, a0, PID_SHIFT          # s3 = pid << 24, this process's part of every pattern
    li   a0, BYTES
    call sbrk
    li   t0, -1
    beq  a0, t0, .no_heap
    mv   s0, a0                     # s0 = first byte of the region
    li   s1, BYTES
    add  s1, s0, s1                 # s1 = end of the region
    li   s2, 0                      # s2 = failed checks
    li   t4, 4 * MULT               # t4 = from one word's pattern to the next one's
    li   t3, MULT

    li   t2, 1 << PASS_SHIFT        # pass 1, forward: write pattern 1
    or   t2, t2, s3
    or   t1, s0, t2
    mul  t1, t1, t3                 # t1 = pattern 1 of the first word
    mv   t0, s0
.pass1:
    sw   t1, 0(t0)
    add  t1, t1, t4
    addi t0, t0, 4
    bne  t0, s1, .pass1

    sub  a1, t1, t4                 # pass 2, backward: a1 = pattern 1 of the last word
    li   t2, 2 << PASS_SHIFT
    or   t2, t2, s3
    addi a2, s1, -4
    or   a2, a2, t2
    mul  a2, a2, t3                 # a2 = pattern 2 of the last word
    mv   t0, s1
.pass2:
    addi t0, t0, -4
    lw   t1, 0(t0)
    bne  t1, a1, .bad2              # (out of line: the loop stays short)
.next2:
    sw   a2, 0(t0)
    sub  a1, a1, t4
    sub  a2, a2, t4
    bne  t0, s0, .pass2

    add  a2, a2, t4                 # pass 3, forward: a2 = pattern 2 of the first word
    mv   t0, s0
.pass3:
    lw   t1, 0(t0)
    bne  t1, a2, .bad3
.next3:
    add  a2, a2, t4
    addi t0, t0, 4
    bne  t0, s1, .pass3

    la   a0, msg_bad
    call print_str
    mv   a0, s2
    call print_int
    li   a0, '\n'
    call print_char
    snez a0, s2                     # exit 0 iff every check passed
    call exit

.bad2:
    addi s2, s2, 1
    j    .next2
.bad3:
    addi s2, s2, 1
    j    .next3

.no_heap:
    la   a0, msg_no_heap
    call print_str
    li   a0, 2
    call exit

.data
msg_bad:     .asciz "bad words: "
msg_no_heap: .asciz "integrity: sbrk failed (is --heap-pages below 256?)\n"
