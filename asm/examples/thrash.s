# thrash.s: a fault-heavy workload. It grows the heap by PAGES pages and, ROUNDS times, adds one
# to the first word of each page in turn. With fewer frames than PAGES, almost every access is a
# page fault, and every evicted page is dirty, so each fault also writes a page to swap: a
# benchmark for the kernel's fault path. Checks the counts at the end, prints
# "thrash: 32 pages x 100 rounds, bad pages: N" and exits 0 if N = 0, else 1.
#
#   vmlab run asm/examples/thrash.s --frames 8 --stats

.include "../lib/user.s"

.equ PAGES, 32
.equ ROUNDS, 100

.text
_start:
    li   a0, PAGES * PAGE_SIZE
    call sbrk
    mv   s0, a0                     # s0 = first page
    li   s1, PAGES * PAGE_SIZE
    add  s1, s0, s1                 # s1 = end
    li   s2, ROUNDS
    li   t3, PAGE_SIZE
.round:
    mv   t0, s0
.touch:
    lw   t2, 0(t0)
    addi t2, t2, 1
    sw   t2, 0(t0)
    add  t0, t0, t3
    bne  t0, s1, .touch
    addi s2, s2, -1
    bnez s2, .round

    li   s2, 0                      # count the pages whose word is not ROUNDS
    li   t1, ROUNDS
    mv   t0, s0
.check:
    lw   t2, 0(t0)
    beq  t2, t1, .ok
    addi s2, s2, 1
.ok:
    add  t0, t0, t3
    bne  t0, s1, .check
    la   a0, msg_head
    call print_str
    li   a0, PAGES
    call print_int
    la   a0, msg_rounds
    call print_str
    li   a0, ROUNDS
    call print_int
    la   a0, msg_bad
    call print_str
    mv   a0, s2
    call print_int
    li   a0, '\n'
    call print_char
    snez a0, s2
    call exit

.data
msg_head:   .asciz "thrash: "
msg_rounds: .asciz " pages x "
msg_bad:    .asciz " rounds, bad pages: "
