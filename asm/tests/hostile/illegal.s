# illegal.s: run words that are not instructions: all ones, then zero (opcode 0 is never
# assigned). The first is an illegal-instruction trap and ends the process.
#
# Expected: "killed: illegal instruction 0xffffffff".

.include "../../lib/user.s"

.text
_start:
    .word 0xffffffff
    .word 0
    li   a0, 0
    call exit
