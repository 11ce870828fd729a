# kernel-store.s: overwrite the kernel. Stores a word over the kernel's first instruction
# (virtual 0x80000000, physical 0). User mode may not touch the kernel segment: the store is a
# protection fault, and the kernel ends this process only.
#
# Expected: "killed: store to 0x80000000 in the kernel segment"; the kernel's code is intact.

.include "../../lib/user.s"

.text
_start:
    li   t0, KSEG_BASE
    li   t1, 0xffffffff             # an illegal word, had it landed
    sw   t1, 0(t0)
    li   a0, 0                      # not reached
    call exit
