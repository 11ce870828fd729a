# syscall-junk.s: system calls with nonsense: unknown numbers (0, 6, 255, -1), write to an fd
# that is not the console, sbrk below the heap's start and past any limit. Each must return -1
# with every other register as it was; the process checks that and survives.
#
# Prints "syscall-junk: every bad call refused" and exits 0, or names the first call the kernel
# got wrong and exits 1.

.include "../../lib/user.s"

.text
_start:
    li   s0, 0x5eed1234             # s0-s3 and a1-a3 must survive every call
    li   s1, -7
    li   s2, 0x7fffffff
    li   s3, 0x80000000

    li   a0, 0                      # unknown syscall numbers
    li   t0, 0
    call junk
    li   t0, 6
    call junk
    li   t0, 255
    call junk
    li   t0, -1
    call junk
    li   t0, 0x7fffffff
    call junk

    li   a0, 3                      # write to fd 3: -1, nothing printed
    la   a1, msg_bad
    li   a2, 4
    li   t0, SYS_WRITE
    call junk
    li   a0, -1                     # and to fd -1
    li   t0, SYS_WRITE
    call junk

    li   a0, -4096                  # sbrk below the heap start
    li   t0, SYS_SBRK
    call junk
    li   a0, 0x7ffff000             # sbrk past the heap limit and into the kernel segment
    li   t0, SYS_SBRK
    call junk
    li   a0, 0x80000000             # sbrk by -2^31
    li   t0, SYS_SBRK
    call junk

    la   a0, msg_ok
    call print_str
    li   a0, 0
    call exit

# junk: make syscall t0 with a0 (a1, a2 as set), expect -1 and the saved registers intact.
junk:
    mv   t1, a1
    mv   t2, a2
    syscall
    li   t3, -1
    bne  a0, t3, .wrong
    bne  a1, t1, .wrong
    bne  a2, t2, .wrong
    li   t3, 0x5eed1234
    bne  s0, t3, .wrong
    li   t3, -7
    bne  s1, t3, .wrong
    li   t3, 0x7fffffff
    bne  s2, t3, .wrong
    li   t3, 0x80000000
    bne  s3, t3, .wrong
    ret
.wrong:
    la   a0, msg_bad
    call print_str
    li   a0, 1
    call exit

.data
msg_ok:  .asciz "syscall-junk: every bad call refused\n"
msg_bad: .asciz "syscall-junk: the kernel accepted a bad call\n"
