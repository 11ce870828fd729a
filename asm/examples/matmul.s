# matmul.s: multiplies two 64x64 matrices of words, C = A x B, with A[i][k] = i + k and
# B[k][j] = k - j, stored row by row in .bss (16 KiB, four pages, each). Each entry of C is a
# dot product of a row of A (in one page) and a column of B: 64 words 256 bytes apart, 16 in
# each of B's four pages. So the pages in use are the code page, one of A, all four of B and
# one of C; a TLB smaller than that misses on each of B's pages for every entry of C.
#
# Then it checks every entry against the closed form
#   C[i][j] = sum over k of (i + k)(k - j) = SUM_K2 + (i - j) SUM_K - n i j,
#   with n = 64, SUM_K = 0 + 1 + ... + 63 = 2016, SUM_K2 = 0^2 + ... + 63^2 = 85344,
# and prints the sum of all entries as a checksum (its closed form: 4096 SUM_K2 - n SUM_K^2 =
# 89456640) and C at a few places. Exits 0 when every entry matches, 1 otherwise.
#
#   vmlab run asm/examples/matmul.s --stats
#   vmlab run asm/examples/matmul.s --tlb 4 --stats         (about 4 TLB misses per entry of C)

.include "../lib/user.s"

.equ N, 64
.equ ROW, N * 4                     # bytes per row
.equ SUM_K, N * (N - 1) / 2
.equ SUM_K2, (N - 1) * N * (2 * N - 1) / 6
.equ CHECKSUM, N * N * SUM_K2 - N * SUM_K * SUM_K

.text
_start:
    # Fill A and B: s0 = i (row), s1 = j (column), t0 = &A[i][j], t1 = &B[i][j].
    la   t0, A
    la   t1, B
    li   s0, 0
.fill_row:
    li   s1, 0
.fill_col:
    add  t2, s0, s1
    sw   t2, 0(t0)                  # A[i][j] = i + j
    sub  t2, s0, s1
    sw   t2, 0(t1)                  # B[i][j] = i - j
    addi t0, t0, 4
    addi t1, t1, 4
    addi s1, s1, 1
    li   t2, N
    bne  s1, t2, .fill_col
    addi s0, s0, 1
    bne  s0, t2, .fill_row

    # C = A x B: s0 = i, s1 = j; inner loop over k with t0 = &A[i][k], t1 = &B[k][j].
    la   s2, C                      # s2 = &C[i][j]
    li   s0, 0
.row:
    li   s1, 0
.col:
    li   t2, ROW
    mul  t0, s0, t2
    la   t3, A
    add  t0, t0, t3                 # t0 = &A[i][0]
    slli t1, s1, 2
    la   t3, B
    add  t1, t1, t3                 # t1 = &B[0][j]
    addi t4, t0, ROW                # t4 = end of row i of A
    li   a3, 0                      # a3 = the dot product
.dot:
    lw   a1, 0(t0)
    lw   a2, 0(t1)
    mul  a1, a1, a2
    add  a3, a3, a1
    addi t0, t0, 4
    addi t1, t1, ROW
    bne  t0, t4, .dot
    sw   a3, 0(s2)
    addi s2, s2, 4
    addi s1, s1, 1
    li   t2, N
    bne  s1, t2, .col
    addi s0, s0, 1
    bne  s0, t2, .row

    # Check: s3 = entries that differ from the closed form, s2 = checksum.
    la   t0, C
    li   s0, 0
    li   s2, 0
    li   s3, 0
.check_row:
    li   s1, 0
.check_col:
    lw   t1, 0(t0)
    add  s2, s2, t1
    sub  t2, s0, s1                 # expected = SUM_K2 + (i - j) SUM_K - N i j
    li   t3, SUM_K
    mul  t2, t2, t3
    li   t3, SUM_K2
    add  t2, t2, t3
    mul  t3, s0, s1
    li   t4, N
    mul  t3, t3, t4                 # N i j
    sub  t2, t2, t3
    beq  t1, t2, .check_ok
    addi s3, s3, 1
.check_ok:
    addi t0, t0, 4
    addi s1, s1, 1
    li   t2, N
    bne  s1, t2, .check_col
    addi s0, s0, 1
    bne  s0, t2, .check_row

    la   a0, msg_checksum           # "C = A x B, 64x64: checksum S (expected E)"
    call print_str
    mv   a0, s2
    call print_int
    la   a0, msg_expected
    call print_str
    li   a0, CHECKSUM
    call print_int
    la   a0, msg_close
    call print_str
    li   a0, 0                      # a few entries: C[0][0], C[1][2], C[17][42], C[63][63]
    li   a1, 0
    call print_entry
    li   a0, 1
    li   a1, 2
    call print_entry
    li   a0, 17
    li   a1, 42
    call print_entry
    li   a0, N - 1
    li   a1, N - 1
    call print_entry
    mv   a0, s3
    call print_int
    la   a0, msg_wrong
    call print_str
    li   t0, CHECKSUM
    xor  t0, t0, s2
    or   a0, t0, s3
    snez a0, a0                     # exit 0 iff every entry and the checksum are right
    call exit

# print_entry: prints "C[a0][a1] = value\n". Uses a0-a3, t0-t4; preserves s0-s3.
print_entry:
    push lr
    push s0
    push s1
    mv   s0, a0
    mv   s1, a1
    la   a0, msg_c
    call print_str
    mv   a0, s0
    call print_int
    la   a0, msg_mid
    call print_str
    mv   a0, s1
    call print_int
    la   a0, msg_eq
    call print_str
    li   t0, ROW                    # a0 = C[i][j]
    mul  t0, s0, t0
    slli t1, s1, 2
    add  t0, t0, t1
    la   t1, C
    add  t0, t0, t1
    lw   a0, 0(t0)
    call print_int
    li   a0, '\n'
    call print_char
    pop  s1
    pop  s0
    pop  lr
    ret

.data
msg_checksum: .asciz "C = A x B, 64x64: checksum "
msg_expected: .asciz " (expected "
msg_close:    .asciz ")\n"
msg_c:        .asciz "C["
msg_mid:      .asciz "]["
msg_eq:       .asciz "] = "
msg_wrong:    .asciz " entries differ from the closed form\n"

.bss
.align 4096
A: .space N * ROW
B: .space N * ROW
C: .space N * ROW
