# syscall-straddle.s: write(1, msg, 8192): a buffer that starts in the data segment and runs off
# its end into the gap above it (no bss, no heap yet). Part of it is fine, part is not: the
# kernel refuses the whole call before printing anything, and ends the process.
#
# Expected: "ended by the kernel: bad pointer or length passed to a system call".

.include "../../lib/user.s"

.text
_start:
    li   a0, 1
    la   a1, msg
    li   a2, 8192
    call write
    li   a0, 0                      # not reached
    call exit

.data
msg: .asciz "this must not be printed\n"
