# yield-storm.s: a system call storm: yield, getpid and an unknown call, without end. Each one
# enters the kernel, and yield hands the CPU on at once, so the other processes still make
# progress and finish. Like endless-loop.s, it needs --max-cycles to end the run.

.include "../../lib/user.s"

.text
_start:
    call yield
    call getpid
    li   t0, 99
    syscall
    j    _start
