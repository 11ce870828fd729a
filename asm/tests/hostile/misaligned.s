# misaligned.s: a word load from an odd address (then, were it to survive, a misaligned half
# store and a jump to an address that is not a multiple of 4). The load is a misaligned-load
# trap: the process ends, and nothing was read.
#
# Expected: "killed: misaligned load from 0x....".

.include "../../lib/user.s"

.text
_start:
    la   t0, buf
    lw   t1, 1(t0)
    sh   t1, 3(t0)                  # not reached
    addi t0, t0, 2
    jr   t0
    li   a0, 0
    call exit

.data
buf: .word 0x11223344, 0x55667788
