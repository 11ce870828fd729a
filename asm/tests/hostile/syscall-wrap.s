# syscall-wrap.s: write(1, msg, 0xffffffff): buffer + length wraps around 2^32 and would end
# below where it starts, which a careless bounds check would accept. The kernel refuses it and
# ends the process without printing.
#
# Expected: "ended by the kernel: bad pointer or length passed to a system call".

.include "../../lib/user.s"

.text
_start:
    li   a0, 1
    la   a1, msg
    li   a2, -1
    call write
    li   a0, 0                      # not reached
    call exit

.data
msg: .asciz "this must not be printed\n"
