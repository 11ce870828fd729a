# faults: the page-fault benchmark's user program (vmlab bench --workload faults).
#
# Under the kernel with few frames: takes a heap of PAGES pages and visits one word of each page
# in turn, ROUNDS times. Each visit loads the word, checks that it holds the number of earlier
# rounds (so every page's round trip through swap is verified), and stores it plus one. With
# more pages than frames and the kernel's policies, nearly every visit faults, and the kernel
# writes the victim page to swap and reads this one back: the program does about six
# instructions per fault, so the figure measures the kernel and the machine, not the program.
# Exits 0 if every check passed, 1 otherwise. ROUNDS is large so that the benchmark, which boots
# the machine again when the program ends, spends its time servicing faults: a boot costs about
# as much as 200 faults, and a run of the program is some 72,000.

.include "../lib/user.s"

.equ PAGES, 64
.equ ROUNDS, 1000

.text
_start:
    li   a0, PAGES * PAGE_SIZE
    call sbrk
    li   t0, -1
    beq  a0, t0, .fail
    mv   s0, a0                     # s0 = first page
    li   s1, PAGES * PAGE_SIZE
    add  s1, s0, s1                 # s1 = end of the heap
    li   s2, 0                      # s2 = rounds done = what every word must hold
    li   s3, ROUNDS
    li   t3, PAGE_SIZE
.round:
    mv   t0, s0
.visit:
    lw   t2, 0(t0)
    bne  t2, s2, .fail
    addi t2, t2, 1
    sw   t2, 0(t0)
    add  t0, t0, t3
    bne  t0, s1, .visit
    addi s2, s2, 1
    bne  s2, s3, .round
    li   a0, 0
    call exit
.fail:
    li   a0, 1
    call exit
