# heap-growth.s: grows the heap with sbrk in steps and checks what the kernel promises about it.
#
#   1. 64 times: sbrk(16 KiB) must return the previous break; every word of the four new pages
#      must read 0 (a new heap page is zero-filled); then a tag (the page's address xor a
#      constant) goes into the first and last word of each page
#   2. every page must still hold its tag: 1 MiB is four times the default 64 frames, so most
#      of them went out to swap and came back
#   3. sbrk(-512 KiB) gives the upper half back (its frames and swap slots); growing again by
#      512 KiB must give zero pages, not the old contents
#
# Prints the break at each stage and the number of words that were wrong (a break that sbrk
# did not return as promised counts as one). Exits 0 if there were none, 1 otherwise.
#
#   vmlab run asm/examples/heap-growth.s --stats
#   vmlab run asm/examples/heap-growth.s --heap-pages 100     (sbrk fails: past the heap limit)

.include "../lib/user.s"

.equ STEP, 4 * PAGE_SIZE
.equ STEPS, 64
.equ TOTAL, STEP * STEPS            # 1 MiB
.equ HALF, TOTAL / 2
.equ TAG, 0x5A5A0000
.equ LAST, PAGE_SIZE - 4            # offset of a page's last word

.text
_start:
    li   s2, 0                      # s2 = wrong words (and wrong breaks)
    li   a0, 0
    call sbrk
    mv   s0, a0                     # s0 = where the heap starts
    la   a0, msg_start
    call print_str
    mv   a0, s0
    call print_hex

    li   s3, STEPS                  # 1. grow, check zero, tag
    mv   s1, s0                     # s1 = the break we expect
.grow:
    li   a0, STEP
    call sbrk
    beq  a0, s1, .grow_ok
    li   t0, -1
    beq  a0, t0, .no_heap
    addi s2, s2, 1
.grow_ok:
    mv   a0, s1
    li   a1, STEP
    call check_zero
    add  s2, s2, a0
    mv   a0, s1
    li   a1, STEP
    call tag_pages
    li   t0, STEP
    add  s1, s1, t0
    addi s3, s3, -1
    bnez s3, .grow
    la   a0, msg_grown
    call print_str
    mv   a0, s1
    call print_hex

    mv   t0, s0                     # 2. every tag still there
.tags:
    lw   t1, 0(t0)
    li   t2, TAG
    xor  t2, t2, t0
    beq  t1, t2, .first_ok
    addi s2, s2, 1
.first_ok:
    lw   t1, LAST(t0)
    beq  t1, t2, .last_ok
    addi s2, s2, 1
.last_ok:
    li   t1, PAGE_SIZE
    add  t0, t0, t1
    bne  t0, s1, .tags

    li   a0, -HALF                  # 3. give back the upper half, then grow again
    call sbrk
    beq  a0, s1, .shrink_ok
    addi s2, s2, 1
.shrink_ok:
    li   t0, HALF
    sub  s1, s1, t0                 # s1 = the lower break
    la   a0, msg_shrunk
    call print_str
    mv   a0, s1
    call print_hex
    li   a0, HALF
    call sbrk
    beq  a0, s1, .regrow_ok
    addi s2, s2, 1
.regrow_ok:
    mv   a0, s1
    li   a1, HALF
    call check_zero
    add  s2, s2, a0

    la   a0, msg_bad
    call print_str
    mv   a0, s2
    call print_int
    li   a0, '\n'
    call print_char
    snez a0, s2
    call exit

.no_heap:
    la   a0, msg_no_heap
    call print_str
    li   a0, 2
    call exit

# check_zero: returns a0 = the number of non-zero words in the a1 bytes from a0. Uses t0-t2.
check_zero:
    add  t2, a0, a1
    li   t0, 0
.word:
    lw   t1, 0(a0)
    snez t1, t1
    add  t0, t0, t1
    addi a0, a0, 4
    bne  a0, t2, .word
    mv   a0, t0
    ret

# tag_pages: writes TAG ^ (page address) into the first and last word of each page of the a1
# bytes from a0 (page-aligned). Uses a0, t0-t2.
tag_pages:
    add  t2, a0, a1
.page:
    li   t0, TAG
    xor  t0, t0, a0
    sw   t0, 0(a0)
    sw   t0, LAST(a0)
    li   t1, PAGE_SIZE
    add  a0, a0, t1
    bne  a0, t2, .page
    ret

.data
msg_start:   .asciz "heap-growth: break "
msg_grown:   .asciz ", after 64 x sbrk(16 KiB) "
msg_shrunk:  .asciz ", after sbrk(-512 KiB) "
msg_bad:     .asciz ", grown back; bad words: "
msg_no_heap: .asciz "\nheap-growth: sbrk failed: the heap limit (--heap-pages) is reached\n"
