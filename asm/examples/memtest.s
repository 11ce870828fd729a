# memtest.s: a paging integrity check. It grows the heap by PAGES pages, writes over all of it a
# pattern computed from each word's address (and the pid, so that two copies differ), then
# reads everything back twice, forward and backward, counting the words that differ. With
# fewer frames than PAGES, pages are evicted and brought back (dirty ones through swap), so a
# paging bug shows up as bad words.
#
# Prints "memtest: N bad words" and exits with 0 if N = 0, else 1.
#
#   vmlab run asm/examples/memtest.s --frames 8 --replace clock

.include "../lib/user.s"

.equ PAGES, 32
.equ BYTES, PAGES * PAGE_SIZE
.equ MULT, 0x9E3779B1               # a multiplicative hash: neighbouring words differ widely

.text
_start:
    mv   s3, a0                     # s3 = pid: the salt
    li   a0, BYTES
    call sbrk
    li   t0, -1
    beq  a0, t0, .no_heap
    mv   s0, a0                     # s0 = first byte
    li   s1, BYTES
    add  s1, s0, s1                 # s1 = end
    li   t2, MULT

    mv   t0, s0                     # write: word at a = a * MULT ^ pid
.write:
    mul  t1, t0, t2
    xor  t1, t1, s3
    sw   t1, 0(t0)
    addi t0, t0, 4
    bne  t0, s1, .write

    li   s2, 0                      # s2 = bad words
    mv   t0, s0                     # verify, forward
.forward:
    lw   t1, 0(t0)
    mul  t3, t0, t2
    xor  t3, t3, s3
    beq  t1, t3, .forward_ok
    addi s2, s2, 1
.forward_ok:
    addi t0, t0, 4
    bne  t0, s1, .forward

    mv   t0, s1                     # verify, backward
.backward:
    addi t0, t0, -4
    lw   t1, 0(t0)
    mul  t3, t0, t2
    xor  t3, t3, s3
    beq  t1, t3, .backward_ok
    addi s2, s2, 1
.backward_ok:
    bne  t0, s0, .backward

    la   a0, msg_head
    call print_str
    mv   a0, s2
    call print_int
    la   a0, msg_tail
    call print_str
    snez a0, s2
    call exit

.no_heap:
    la   a0, msg_no_heap
    call print_str
    li   a0, 2
    call exit

.data
msg_head:    .asciz "memtest: "
msg_tail:    .asciz " bad words\n"
msg_no_heap: .asciz "memtest: sbrk failed\n"
