# syscall-unmapped-ptr.s: write(1, 0x40000000, 16), a buffer in no region at all (between the
# heap and the stack). The kernel would have to page in something that does not exist; it ends
# the process instead, printing nothing.
#
# Expected: "ended by the kernel: bad pointer or length passed to a system call".

.include "../../lib/user.s"

.text
_start:
    li   a0, 1
    li   a1, 0x40000000
    li   a2, 16
    call write
    li   a0, 0                      # not reached
    call exit
