# sum-large.s: sums an array larger than the physical memory user pages may use. It grows the
# heap by 1 MiB (262,144 words, 256 pages), fills it with a[i] = i, then adds it up in 64 bits
# and compares the sum with the closed form n(n-1)/2. With the default 64 frames (256 KiB) the
# array is four times the memory: the fill evicts dirty pages to swap, and the sum brings them
# back one by one.
#
# Prints "sum of 0..262143 = 34359607296 (expected 34359607296)" and exits 0; on a mismatch it
# adds "MISMATCH" and exits 1.
#
#   vmlab run asm/examples/sum-large.s --stats
#   vmlab run asm/examples/sum-large.s --frames 16 --replace clock --stats

.include "../lib/user.s"

.equ WORDS, 262144                  # 1 MiB of words
.equ BYTES, WORDS * 4

.text
_start:
    li   a0, BYTES
    call sbrk
    li   t0, -1
    beq  a0, t0, .no_heap
    mv   s0, a0                     # s0 = a
    li   s1, BYTES
    add  s1, s0, s1                 # s1 = end of a

    mv   t0, s0                     # fill: a[i] = i
    li   t1, 0
.fill:
    sw   t1, 0(t0)
    addi t1, t1, 1
    addi t0, t0, 4
    bne  t0, s1, .fill

    li   s2, 0                      # s3:s2 = the sum, 64 bits
    li   s3, 0
    mv   t0, s0
.sum:
    lw   t1, 0(t0)
    add  s2, s2, t1
    sltu t2, s2, t1                 # carry out of the low word
    add  s3, s3, t2
    addi t0, t0, 4
    bne  t0, s1, .sum

    li   t0, WORDS / 2              # s1:s0 = expected = (n / 2) * (n - 1), n even
    li   t1, WORDS - 1
    mul  s0, t0, t1
    mulhu s1, t0, t1

    la   a0, msg_sum
    call print_str
    li   a0, WORDS - 1
    call print_int
    la   a0, msg_equals
    call print_str
    mv   a0, s2
    mv   a1, s3
    call print_u64
    la   a0, msg_expected
    call print_str
    mv   a0, s0
    mv   a1, s1
    call print_u64
    li   a0, ')'
    call print_char
    bne  s2, s0, .mismatch
    bne  s3, s1, .mismatch
    li   a0, '\n'
    call print_char
    li   a0, 0
    call exit
.mismatch:
    la   a0, msg_mismatch
    call print_str
    li   a0, 1
    call exit

.no_heap:
    la   a0, msg_no_heap
    call print_str
    li   a0, 2
    call exit

# print_u64: prints a1:a0 (high:low) as an unsigned decimal number. The digits come from
# dividing by 10 again and again; a 64-bit value is divided as the high word, then the low
# word in two 16-bit halves, each step's remainder (< 10) carried into the next, so every
# dividend fits in 32 bits. Uses a0-a3, t0-t3; preserves s0-s3.
print_u64:
    addi sp, sp, -24                # room for 20 digits, word-aligned
    addi a3, sp, 24                 # a3 = where the next digit goes (filled backwards)
    li   t3, 10
.digit:
    remu t0, a1, t3                 # t0 = remainder so far
    divu a1, a1, t3                 # high word of the quotient
    srli t1, a0, 16
    slli t0, t0, 16
    or   t1, t1, t0                 # remainder : high half of the low word
    remu t0, t1, t3
    divu t2, t1, t3                 # t2 = high half of the quotient's low word (< 2^16)
    andi t1, a0, 0xffff
    slli t0, t0, 16
    or   t1, t1, t0                 # remainder : low half of the low word
    remu t0, t1, t3                 # t0 = the digit
    divu t1, t1, t3
    slli t2, t2, 16
    or   a0, t2, t1                 # low word of the quotient
    addi t0, t0, '0'
    addi a3, a3, -1
    sb   t0, 0(a3)
    or   t0, a0, a1
    bnez t0, .digit
    mv   a1, a3                     # write(1, digits, count)
    addi a2, sp, 24
    sub  a2, a2, a3
    li   a0, 1
    li   t0, SYS_WRITE
    syscall
    addi sp, sp, 24
    ret

.data
msg_sum:      .asciz "sum of 0.."
msg_equals:   .asciz " = "
msg_expected: .asciz " (expected "
msg_mismatch: .asciz " MISMATCH\n"
msg_no_heap:  .asciz "sum-large: sbrk failed\n"
