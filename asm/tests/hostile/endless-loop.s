# endless-loop.s: never stops and never calls the kernel. The timer takes the CPU away at the
# end of each time slice, so the other processes still run to their end; only this one goes on.
# Something outside must end the run: --max-cycles.
#
#   vmlab run asm/examples/integrity.s asm/tests/hostile/endless-loop.s --frames 8 --max-cycles 200000000

.include "../../lib/user.s"

.text
_start:
    j    _start
