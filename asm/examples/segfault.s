# segfault.s: a program with a bug. It prints a line, then stores through a null pointer. Page 0
# is in no region, so the kernel ends this process (and only this one) and vmlab says why:
#
#   vmlab: process 1 (segfault.s) killed: store to 0x00000000 outside every region, pc ...
#
#   vmlab run asm/examples/segfault.s asm/examples/hello.s    (hello still runs to the end)

.include "../lib/user.s"

.text
_start:
    la   a0, message
    call print_str
    li   t0, 0                      # a null pointer
    li   t1, 42
    sw   t1, 0(t0)                  # the kernel kills the process here
    li   a0, 0                      # never reached
    call exit

.data
message: .asciz "about to store through a null pointer\n"
