# syscall-kernel-ptr.s: ask the kernel to print its own memory: write(1, 0x80000000, 64). The
# kernel checks the buffer against the process's regions before reading a byte of it; one in
# the kernel segment ends the process, and nothing is printed.
#
# Expected: "ended by the kernel: bad pointer or length passed to a system call".

.include "../../lib/user.s"

.text
_start:
    li   a0, 1
    li   a1, KSEG_BASE
    li   a2, 64
    call write
    li   a0, 0                      # not reached
    call exit
