# randc: the random-page benchmark (vmlab bench --workload randc).
#
# Each iteration draws a 32-bit xorshift number in t0 and loads the word at s0 + (t0 & s1):
# with s1 covering 64 MiB, almost every load lands on a page the TLB does not hold. Eleven
# instructions per load, forever. Position-independent. The host sets:
#   s0 = the region's address, s1 = the mask of address bits to draw (word-aligned),
#   t0 = the generator's seed (not 0).

    .text
_start:
loop:
    slli t1, t0, 13         # xorshift32: x ^= x << 13; x ^= x >> 17; x ^= x << 5
    xor  t0, t0, t1
    srli t1, t0, 17
    xor  t0, t0, t1
    slli t1, t0, 5
    xor  t0, t0, t1
    and  t2, t0, s1         # a word somewhere in the region
    add  t2, t2, s0
    lw   t3, 0(t2)
    add  a0, a0, t3
    j    loop
