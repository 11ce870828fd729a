# kernel-load.s: read the kernel's memory. Loads from the kernel segment (the kernel image at
# 0x80000000, and a device register: the disk's status). Either is a protection fault in user
# mode; the first ends the process.
#
# Expected: "killed: load from 0x80000000 in the kernel segment".

.include "../../lib/user.s"

.text
_start:
    li   t0, KSEG_BASE
    lw   t1, 0(t0)
    li   t0, DISK_BASE
    lw   t1, DISK_STATUS(t0)        # not reached
    li   a0, 0
    call exit
