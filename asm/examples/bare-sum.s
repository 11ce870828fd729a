# bare-sum.s: adds up 1..100 and prints the result in decimal, on bare metal.
#
#   vmlab run asm/examples/bare-sum.s        prints "sum of 1..100 = 5050"
#
# Shows: a stack, calls and returns, push/pop of the link register, division by ten to print
# a number, a buffer in .bss, constants in expressions.

        .text 0x80000000
        .equ  CONSOLE_TX, 0xFFF00000
        .equ  STACK_TOP, 0x80100000   # 1 MiB into RAM, far above this program
        .equ  LIMIT, 100

_start:
        li    sp, STACK_TOP
        li    s0, 0                   # s0 = the sum so far
        li    s1, 1                   # s1 = the next number to add
        li    s2, LIMIT
.loop:  add   s0, s0, s1
        addi  s1, s1, 1
        ble   s1, s2, .loop           # ble is bge with its operands swapped

        la    a0, label
        call  print_str
        mv    a0, s0
        call  print_line
        li    a0, 0
        halt

# print_line: prints a0 as an unsigned decimal number, then a newline.
print_line:
        push  lr                      # this function calls others: keep its return address
        call  print_dec
        li    a0, '\n'
        call  print_char
        pop   lr
        ret

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

# print_str: prints the zero-terminated string at a0. Uses a0, a1 and t0.
print_str:
        li    t0, CONSOLE_TX
.next:  lbu   a1, 0(a0)
        beqz  a1, .done
        sw    a1, 0(t0)
        addi  a0, a0, 1
        j     .next
.done:  ret

# print_char: prints the character in a0. Uses t0.
print_char:
        li    t0, CONSOLE_TX
        sw    a0, 0(t0)
        ret

        .data
label:  .asciz "sum of 1..100 = "

        .bss
digits: .space 10                     # 2^32 - 1 has ten digits
digits_end:
