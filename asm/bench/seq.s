# seq: the sequential-access benchmark (vmlab bench --workload seq).
#
# Walks an array word by word, adding t1 to each word, and starts over at the end, forever:
# per word one load, one add, one store and three loop instructions. Position-independent
# (only pc-relative branches), so the host can run the same code in user space with paging
# on and in the kernel segment with paging off. The host sets:
#   s0 = the array's address, s1 = its length in words, t1 = the increment.

    .text
_start:
outer:
    mv   a1, s0             # pointer
    mv   a2, s1             # words left
loop:
    lw   t0, 0(a1)
    add  t0, t0, t1
    sw   t0, 0(a1)
    addi a1, a1, 4
    addi a2, a2, -1
    bnez a2, loop
    j    outer
