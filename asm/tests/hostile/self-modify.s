# self-modify.s: patch its own code. The text segment is read + execute only, so the store is
# refused: the page is either not present yet (the kernel refuses the fault: not writable) or
# present without W (a protection fault). Either way the process ends.
#
# Expected: "killed: store to 0x0000.... in a read-only region".

.include "../../lib/user.s"

.text
_start:
    la   t0, target
    li   t1, 0x0000004b             # halt, were it to run
    sw   t1, 0(t0)
target:
    li   a0, 0
    call exit
