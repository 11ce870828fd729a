# bare-hello.s: the smallest bare-metal program. It runs in kernel mode with no kernel under
# it (the machine loads it at physical address 0 and starts it at _start), prints a
# line on the console and stops.
#
#   vmlab run asm/examples/bare-hello.s
#
# Shows: a section address, a constant, a local label, a string, halt's exit status.

        .text 0x80000000              # kernel segment: loaded at physical address 0
        .equ  CONSOLE_TX, 0xFFF00000  # console transmit register (kernel virtual address)

_start:
        la    a0, message             # a0 walks the string
        li    t0, CONSOLE_TX
.next:  lbu   a1, 0(a0)               # .next is _start.next: local to _start
        beqz  a1, .done               # the string ends with a zero byte
        sw    a1, 0(t0)               # writing a word to TX prints its low byte
        addi  a0, a0, 1
        j     .next
.done:  li    a0, 0                   # exit status
        halt

        .data
message: .asciz "hello from bare metal\n"
