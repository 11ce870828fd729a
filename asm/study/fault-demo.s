# fault-demo.s: one page fault to follow in a trace (README.md, "Studying page faults").
# It jumps to a second page of code, leaving the first one (where _start is) for good; then it
# loads a word from its data page, which is not present yet: the page fault. The next load, on
# the same page, hits in the TLB. With three frames and spin.s beside it, the kernel must evict
# a page to make room, and spin.s runs while the disk reads the data page in.
#
#   vmlab run asm/study/fault-demo.s asm/study/spin.s --frames 3 --trace all

.include "../lib/user.s"

.text
_start:
    j    main               # leave the first page of code for good

.align 4096
main:
    la   t0, table
    lw   a0, 0(t0)          # the page fault
    lw   a1, 4(t0)          # the same page again: a TLB hit
    li   a0, 0
    call exit

.data
table: .word 42, 43
