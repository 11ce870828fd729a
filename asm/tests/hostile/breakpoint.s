# breakpoint.s: a `break` with no debugger attached. The kernel has no use for the trap, so it
# ends the process.
#
# Expected: "killed: breakpoint".

.include "../../lib/user.s"

.text
_start:
    break
    li   a0, 0
    call exit
