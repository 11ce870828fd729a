# privileged-csr.s: take over the machine through the control registers: point TVEC at its
# own code, then PTBR at physical 0 (the kernel image, read as a page table). Every csrw is
# privileged: the first one is a privileged-instruction trap, and the process ends.
#
# Expected: "killed: privileged instruction 0x...".

.include "../../lib/user.s"

.text
_start:
    la   t0, _start
    csrw tvec, t0
    csrw ptbr, zero                 # not reached
    li   t0, STATUS_UM
    csrw status, zero
    li   a0, 0
    call exit
