# null-jump.s: call through a null function pointer. Page 0 is in no region, so the fetch is a
# page fault the kernel refuses: the process ends.
#
# Expected: "killed: fetch from 0x00000000 outside every region".

.include "../../lib/user.s"

.text
_start:
    li   t0, 0
    jalr lr, t0, 0
    li   a0, 0
    call exit
