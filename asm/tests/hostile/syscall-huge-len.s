# syscall-huge-len.s: write(1, msg, 0x7fffffff): a real buffer with a length that runs far past
# the end of its region (and through the kernel segment, were it read). The kernel checks the
# whole range first: the process ends and not one byte is printed.
#
# Expected: "ended by the kernel: bad pointer or length passed to a system call".

.include "../../lib/user.s"

.text
_start:
    li   a0, 1
    la   a1, msg
    li   a2, 0x7fffffff
    call write
    li   a0, 0                      # not reached
    call exit

.data
msg: .asciz "this must not be printed\n"
