# bare-fib.s: prints the first 20 Fibonacci numbers on one line, on bare metal.
#
#   vmlab run asm/examples/bare-fib.s        prints "0 1 1 2 3 5 ... 2584 4181"
#
# Shows: a loop that keeps its state in callee-saved registers across calls, a table of
# words read with an index, .align, and %hi/%lo written out by hand.

        .text 0x80000000
        .equ  CONSOLE_TX, 0xFFF00000
        .equ  STACK_TOP, 0x80100000
        .equ  COUNT, 20

_start:
        li    sp, STACK_TOP
        li    s0, 0                   # s0 = F(n)
        li    s1, 1                   # s1 = F(n + 1)
        li    s2, COUNT               # s2 = how many are left to print
.next:  mv    a0, s0
        call  print_dec
        add   t1, s0, s1              # step: (F(n), F(n+1)) becomes (F(n+1), F(n+2))
        mv    s0, s1
        mv    s1, t1
        addi  s2, s2, -1
        beqz  s2, .end
        li    a0, ' '
        call  print_char
        j     .next
.end:   li    a0, '\n'
        call  print_char

        # Check the last one against the table: exit status 0 if F(19) is 4181, else 1.
        lui   t0, %hi(expected)       # what `la t0, expected` does
        ori   t0, t0, %lo(expected)
        lw    t1, (COUNT - 1) * 4(t0)
        li    t2, 4181
        sub   a0, t1, t2
        snez  a0, a0
        halt

# print_dec: prints a0 as an unsigned decimal number. Uses a0-a3 and t0.
print_dec:
        la    a1, digits_end          # digits are made lowest first: fill the buffer backwards
        li    a2, 10
.digit: remu  a3, a0, a2
        addi  a3, a3, '0'
        addi  a1, a1, -1
        sb    a3, 0(a1)
        divu  a0, a0, a2
        bnez  a0, .digit
        li    t0, CONSOLE_TX
        la    a2, digits_end
.out:   lbu   a3, 0(a1)
        sw    a3, 0(t0)
        addi  a1, a1, 1
        bne   a1, a2, .out
        ret

# print_char: prints the character in a0. Uses t0.
print_char:
        li    t0, CONSOLE_TX
        sw    a0, 0(t0)
        ret

        .data
digits: .space 10
digits_end:
        .align 4
expected:                             # F(0) .. F(19), for the check above
        .word 0, 1, 1, 2, 3, 5, 8, 13, 21, 34
        .word 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181
