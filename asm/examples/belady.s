# belady.s: the reference string of Belady's anomaly, 1 2 3 4 1 2 5 1 2 3 4 5, played on five
# data pages. Page k is the page at 0x100000 + k * 4096 (virtual page number 0x100 + k), in
# .bss, so it starts not present and is zero-filled on its first touch. Each reference is one
# load, and nothing else touches a data page in between (the loads are straight-line code,
# with no calls and no stack) — then the program prints "belady: done" and exits 0.
#
# The data pages are not the only ones referenced: every instruction is fetched from the code
# page (virtual page 0x1), so the run's reference string (--refs) is 0x1 0x101 0x1 0x102 0x1
# 0x103 ... 0x1 0x105, then 0x1 0x2 (printing reads the message, in the data segment); an
# access that faults appears twice, as it is tried again after the fault. The code page takes a
# frame, and under FIFO it is evicted and brought back like any other page. So the kernel's
# fault counts are those of that longer string, not the textbook's 9 faults with 3 frames and
# 10 with 4 — but the anomaly survives, one frame later: with --replace fifo (the default) the
# process takes 13 page faults with --frames 4 and 14 with --frames 5, and `vmlab replay` on
# the recorded string says the same.
#
#   vmlab run asm/examples/belady.s --frames 4 --stats       (13 page faults)
#   vmlab run asm/examples/belady.s --frames 5 --stats       (14 page faults)
#   vmlab run asm/examples/belady.s --refs belady.refs && vmlab replay belady.refs --frames 3-6
#   echo 1,2,3,4,1,2,5,1,2,3,4,5 > book.txt && vmlab replay book.txt --frames 1-5   (the book's)

.include "../lib/user.s"

.equ FIRST, 0x101000                # page 1; pages 2-5 follow

.text
_start:
    li   s0, FIRST - PAGE_SIZE      # s0 + k * PAGE_SIZE is page k
    lw   t0, 1 * PAGE_SIZE(s0)
    lw   t0, 2 * PAGE_SIZE(s0)
    lw   t0, 3 * PAGE_SIZE(s0)
    lw   t0, 4 * PAGE_SIZE(s0)
    lw   t0, 1 * PAGE_SIZE(s0)
    lw   t0, 2 * PAGE_SIZE(s0)
    lw   t0, 5 * PAGE_SIZE(s0)
    lw   t0, 1 * PAGE_SIZE(s0)
    lw   t0, 2 * PAGE_SIZE(s0)
    lw   t0, 3 * PAGE_SIZE(s0)
    lw   t0, 4 * PAGE_SIZE(s0)
    lw   t0, 5 * PAGE_SIZE(s0)
    la   a0, msg_done
    call print_str
    li   a0, 0
    call exit

.data
msg_done: .asciz "belady: done\n"

.bss FIRST
pages: .space 5 * PAGE_SIZE
