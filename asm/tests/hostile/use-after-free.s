# use-after-free.s: grow the heap by four pages and fill them, shrink it back with a negative
# sbrk (the kernel takes the pages, their frames and swap slots back), then store into the
# freed memory. The heap no longer covers it: the store is outside every region.
#
# Expected: "killed: store to 0x... outside every region".

.include "../../lib/user.s"

.equ PAGES, 4

.text
_start:
    li   a0, PAGES * PAGE_SIZE
    call sbrk
    mv   s0, a0                     # s0 = the first page
    li   t0, PAGES * PAGE_SIZE
    add  s1, s0, t0                 # s1 = the end
    mv   t0, s0
    li   t1, 0x12345678
.fill:
    sw   t1, 0(t0)
    addi t0, t0, 4
    bne  t0, s1, .fill
    li   a0, -PAGES * PAGE_SIZE
    call sbrk
    sw   t1, 0(s0)                  # freed: outside every region
    li   a0, 0                      # not reached
    call exit
