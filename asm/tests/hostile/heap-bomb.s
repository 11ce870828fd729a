# heap-bomb.s: grow the heap a page at a time and dirty every page, without end. Each page
# costs a frame and, once evicted, a swap slot. Whichever limit comes first ends it:
#   - the swap area fills up (the default: 4096 slots is less than the 16384-page heap limit):
#     the kernel ends the process holding the most swap, this one, and not the innocent
#     process that happened to need a slot at that moment;
#   - sbrk refuses to grow past --heap-pages: the program then stores past the break anyway,
#     outside every region.
#
# Expected: "ended by the kernel: out of memory: the swap area is full", or
# "killed: store to 0x... outside every region".

.include "../../lib/user.s"

.text
_start:
    li   s0, 0x0badf00d
.grow:
    li   a0, PAGE_SIZE
    call sbrk
    li   t0, -1
    beq  a0, t0, .overflow
    sw   s0, 0(a0)                  # dirty the new page
    j    .grow
.overflow:
    li   a0, 0
    call sbrk                       # a0 = the break
    sw   s0, 0(a0)                  # past it: outside every region
    li   a0, 0                      # not reached
    call exit
