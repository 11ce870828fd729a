# kernel-jump.s: jump into the kernel, at its entry (0x80000000), hoping to run it in user mode
# with registers of its own choosing. A fetch from the kernel segment in user mode is a
# protection fault: the jump ends the process before a single kernel instruction runs.
#
# Expected: "killed: fetch from 0x80000000 in the kernel segment".

.include "../../lib/user.s"

.text
_start:
    li   a0, 0
    li   sp, KSEG_BASE + 0x1000     # a stack inside the kernel, too
    li   t0, KSEG_BASE
    jr   t0
