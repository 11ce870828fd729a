# hello.s: the smallest user program. The kernel starts it with a0 = its pid; it prints a
# greeting with that pid through the write system call (print_str, print_int from user.s) and
# exits with status 0.
#
#   vmlab run asm/examples/hello.s
#   vmlab run asm/examples/hello.s asm/examples/hello.s     (two processes, pids 1 and 2)

.include "../lib/user.s"

.text
_start:
    mv   s0, a0                     # s0 = pid
    la   a0, greeting
    call print_str
    mv   a0, s0
    call print_int
    li   a0, '\n'
    call print_char
    li   a0, 0
    call exit

.data
greeting: .asciz "hello from process "
