# spin.s: counts down from 60,000 in a loop that touches no data, then exits: a process that is
# ready to run whenever another one waits for the disk (README.md, "Studying page faults").
#
#   vmlab run asm/study/fault-demo.s asm/study/spin.s --frames 3 --trace all

.include "../lib/user.s"

.text
_start:
    li   t0, 60000
.loop:
    addi t0, t0, -1
    bnez t0, .loop
    li   a0, 0
    call exit
