# privileged-halt.s: stop the whole machine, or put it to sleep for good: `halt`, then `wait`
# with interrupts masked. Both are privileged; the first ends the process and the machine
# goes on with the others.
#
# Expected: "killed: privileged instruction 0x0000004b".

.include "../../lib/user.s"

.text
_start:
    li   a0, 0
    halt
    wait                            # not reached
    tlbflush
    li   a0, 0
    call exit
