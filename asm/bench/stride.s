# stride: the page-stride benchmark (vmlab bench --workload stride).
#
# Loads one word from each of N pages in turn (one access per page, a page apart) and starts
# over after the last, forever: with more pages than TLB entries and LRU replacement, every
# load misses the TLB and walks. Five instructions per load. Position-independent. The host
# sets:
#   s0 = the region's address, s1 = N (pages, at least 1), s2 = the stride in bytes.

    .text
_start:
outer:
    mv   a1, s0             # pointer
    mv   a2, s1             # pages left
loop:
    lw   t0, 0(a1)
    add  a0, a0, t0
    add  a1, a1, s2
    addi a2, a2, -1
    bnez a2, loop
    j    outer
