# user.s: a small library for user programs run by the kernel.
#
# Include it once, first: `.include "../lib/user.s"` (it includes machine.s for the syscall
# numbers). Every routine follows the calling convention of asm/README.md: arguments in a0-a3,
# result in a0, t0-t4 and a0-a3 may change, s0-s3 and sp are preserved.

.include "machine.s"

.text

# exit: end the process with status a0. Does not return.
exit:
    li   t0, SYS_EXIT
    syscall

# write: write a2 bytes from a1 to fd a0 (1 or 2: the console). Returns a0 = bytes written.
write:
    li   t0, SYS_WRITE
    syscall
    ret

# sbrk: move the break by a0 bytes (may be negative). Returns a0 = the old break, or -1.
sbrk:
    li   t0, SYS_SBRK
    syscall
    ret

# getpid: returns a0 = this process's pid.
getpid:
    li   t0, SYS_GETPID
    syscall
    ret

# yield: let the other ready processes run first. Returns a0 = 0.
yield:
    li   t0, SYS_YIELD
    syscall
    ret

# print_str: print the NUL-terminated string at a0.
print_str:
    mv   a1, a0                     # a1 = buffer
    li   a2, 0                      # a2 = length
.len:
    add  t1, a1, a2
    lbu  t1, 0(t1)
    beqz t1, .write
    addi a2, a2, 1
    j    .len
.write:
    li   a0, 1
    li   t0, SYS_WRITE
    syscall
    ret

# print_char: print the byte in a0.
print_char:
    addi sp, sp, -4
    sb   a0, 0(sp)
    mv   a1, sp
    li   a2, 1
    li   a0, 1
    li   t0, SYS_WRITE
    syscall
    addi sp, sp, 4
    ret

# print_int: print a0 as a signed decimal number.
print_int:
    addi sp, sp, -12                # room for "-2147483648"
    addi a1, sp, 12                 # a1 = start of the digits (built backwards)
    mv   t1, a0                     # t1 = the value
    bgez t1, .digits
    sub  t1, zero, t1               # magnitude (-2^31 stays 2^31 as unsigned)
.digits:
    li   t2, 10
    remu t3, t1, t2
    divu t1, t1, t2
    addi t3, t3, '0'
    addi a1, a1, -1
    sb   t3, 0(a1)
    bnez t1, .digits
    bgez a0, .out
    li   t3, '-'
    addi a1, a1, -1
    sb   t3, 0(a1)
.out:
    addi a2, sp, 12
    sub  a2, a2, a1                 # a2 = length
    li   a0, 1
    li   t0, SYS_WRITE
    syscall
    addi sp, sp, 12
    ret

# print_hex: print a0 as 0x followed by 8 hexadecimal digits.
print_hex:
    addi sp, sp, -12                # "0x" + 8 digits, rounded up to words
    li   t1, '0'
    sb   t1, 0(sp)
    li   t1, 'x'
    sb   t1, 1(sp)
    addi a1, sp, 9                  # a1 = where the last digit goes
    li   t2, 8                      # t2 = digits left
.digit:
    andi t1, a0, 15
    li   t3, 10
    bltu t1, t3, .decimal
    addi t1, t1, 'a' - 10
    j    .put
.decimal:
    addi t1, t1, '0'
.put:
    sb   t1, 0(a1)
    addi a1, a1, -1
    srli a0, a0, 4
    addi t2, t2, -1
    bnez t2, .digit
    mv   a1, sp
    li   a2, 10
    li   a0, 1
    li   t0, SYS_WRITE
    syscall
    addi sp, sp, 12
    ret
