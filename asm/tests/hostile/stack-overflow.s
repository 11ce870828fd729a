# stack-overflow.s: recursion without end. Each call pushes a frame of 64 bytes; the stack
# grows page by page (each a zero-filled page, evicted dirty to swap as the frames run out)
# until it reaches the stack limit (--stack-pages, default 256 pages = 1 MiB). The next push is
# outside every region: the process ends there, and its pages and swap slots are given back.
#
# Expected: "killed: store to 0x7fefff.. outside every region".

.include "../../lib/user.s"

.text
_start:
    li   a0, 0
    call deeper
    li   a0, 0                      # not reached
    call exit

deeper:
    addi sp, sp, -64
    sw   lr, 60(sp)
    sw   a0, 0(sp)
    addi a0, a0, 1
    call deeper
    lw   lr, 60(sp)                 # never reached
    addi sp, sp, 64
    ret
