# vm.s: page tables. The geometry (levels, index bits per level) is read from MMUCFG at boot,
# so the same code walks 1- to 4-level trees.
#
# Tables come from the kernel reserve. A root table is carved at boot (it may span several
# pages: a one-level table is 4 MiB); every other table fits one page (vm_init checks it) and
# comes from the reserve's free list. Each process keeps a list of the tables it was given
# (linked through k_rsv_link), so that exit can give them back without walking the tree.
#
# The kernel never makes superpages: a valid entry above the last level is always a pointer
# to the next table (V set, R = W = X = 0).

.equ PTE_SIZE_SHIFT, WORD_SHIFT # a PTE is one word

# Per level, root first: where its index starts in a virtual address, and the index mask.
.equ LV_SHIFT, 0
.equ LV_MASK,  4
.equ LV_SIZE_SHIFT, 3
.equ LV_SIZE,  1 << LV_SIZE_SHIFT
.equ MAX_LEVELS, MMUCFG_LEVELS_MASK + 1

.data                           # kernel variables live in .data (layout.s)
.align 4
k_levels:       .space 4
k_level:        .space MAX_LEVELS * LV_SIZE
k_root_pages:   .space 4        # pages in a root table
k_rsv_link:     .space 4        # kernel address of the link array: one word per reserve frame
k_rsv_free:     .space 4        # first free reserve frame (PFN), or NIL
k_leaf_tag_mask:    .space 4    # the address bits above the leaf index (vm_lookup's cache)
k_leaf_index_bytes: .space 4    # the leaf level's index mask, in bytes (mask << PTE_SIZE_SHIFT)

.text

# vm_init: read the page-table geometry from MMUCFG.
#   Fills k_levels, k_level[], k_leaf_tag_mask, k_leaf_index_bytes, k_root_pages; carves the
#   reserve's link array.
#   Panics if a level below the root needs more than a page. Clobbers a0-a3, t0-t4.
vm_init:
    push lr
    csrr t0, mmucfg
    andi t1, t0, MMUCFG_LEVELS_MASK
    la   t2, k_levels
    sw   t1, 0(t2)
    # From the last level up: the last index starts at PAGE_SHIFT, each level above starts
    # where the one below ends.
    li   a1, PAGE_SHIFT             # a1 = shift of the level being filled
    addi a2, t1, -1                 # a2 = level, from the last to 0
.level:
    li   t2, MMUCFG_INDEX_FIELD
    mul  t2, t2, a2
    addi t2, t2, MMUCFG_INDEX_SHIFT
    srl  t3, t0, t2
    andi t3, t3, MMUCFG_INDEX_MASK  # t3 = index bits of this level
    la   t4, k_level
    slli t2, a2, LV_SIZE_SHIFT
    add  t4, t4, t2
    sw   a1, LV_SHIFT(t4)
    li   t2, 1
    sll  t2, t2, t3
    addi t2, t2, -1
    sw   t2, LV_MASK(t4)
    add  a1, a1, t3
    beqz a2, .root
    li   t2, PAGE_SHIFT - PTE_SIZE_SHIFT
    bgtu t3, t2, .too_big
    addi a2, a2, -1
    j    .level
.root:
    # vm_lookup's cache: the bits above the leaf index choose the leaf table (k_leaf_tag_mask:
    # not those of the leaf index, nor the page offset; none with one level), the leaf index
    # the entry in it.
    la   t4, k_level
    slli t2, t1, LV_SIZE_SHIFT
    add  t4, t4, t2
    lw   t2, LV_MASK - LV_SIZE(t4)  # t2 = the last level's index mask
    slli a1, t2, PTE_SIZE_SHIFT
    la   a2, k_leaf_index_bytes
    sw   a1, 0(a2)
    slli t2, t2, PAGE_SHIFT
    ori  t2, t2, PAGE_MASK
    not  t2, t2
    la   a2, k_leaf_tag_mask
    sw   t2, 0(a2)
    # A root of B index bits is 4 << B bytes: at least one page.
    li   t2, 1 << PTE_SIZE_SHIFT
    sll  t2, t2, t3
    li   t4, PAGE_SIZE - 1
    add  t2, t2, t4
    srli t2, t2, PAGE_SHIFT
    la   t4, k_root_pages
    sw   t2, 0(t4)
    # The link array of the reserve: one word per reserve frame.
    la   t0, k_nrsv
    lw   a0, 0(t0)
    slli a0, a0, WORD_SHIFT
    call rsv_carve
    la   t0, k_rsv_link
    sw   a0, 0(t0)
    la   t0, k_rsv_free
    li   t1, NIL
    sw   t1, 0(t0)
    pop  lr
    ret
.too_big:
    la   a0, msg_level_too_big
    j    panic

# rsv_init: put every reserve frame not carved at boot on the free list, lowest first.
#   Clobbers a0, t0-t2.
rsv_init:
    push lr
    push s0
    push s1
    la   t0, k_rsv_bump
    lw   s0, 0(t0)                  # s0 = first frame not carved
    la   t0, k_rsv_first
    lw   s1, 0(t0)
    la   t0, k_nrsv
    lw   t0, 0(t0)
    add  s1, s1, t0                 # s1 = end of the reserve
    la   t0, k_rsv_free
    li   t1, NIL
    sw   t1, 0(t0)
.loop:                              # push from the top down, so that the lowest comes out first
    beq  s1, s0, .done
    addi s1, s1, -1
    mv   a0, s1
    call rsv_free
    j    .loop
.done:
    pop  s1
    pop  s0
    pop  lr
    ret

# rsv_link_addr: the link word of reserve frame a0.
#   a0 = PFN (in the reserve), a0 = kernel address of its link. Clobbers t0.
rsv_link_addr:
    la   t0, k_rsv_first
    lw   t0, 0(t0)
    sub  a0, a0, t0
    slli a0, a0, WORD_SHIFT
    la   t0, k_rsv_link
    lw   t0, 0(t0)
    add  a0, a0, t0
    ret

# rsv_free: give reserve frame a0 back to the free list.
#   a0 = PFN. Clobbers a0, t0-t2.
rsv_free:
    mv   t1, a0
    push lr
    call rsv_link_addr
    pop  lr
    la   t0, k_rsv_free
    lw   t2, 0(t0)
    sw   t2, 0(a0)                  # link[pfn] = old head
    sw   t1, 0(t0)                  # head = pfn
    ret

# rsv_alloc_table: a zeroed page-table page for process a0, recorded on its table list.
#   a0 = PCB. Returns a0 = physical address of the page, or 0 if the reserve is empty.
#   Clobbers a1, t0-t2.
rsv_alloc_table:
    push lr
    push s0
    push s1
    mv   s0, a0
    la   t0, k_rsv_free
    lw   s1, 0(t0)                  # s1 = PFN taken
    li   t1, NIL
    beq  s1, t1, .empty
    mv   a0, s1
    call rsv_link_addr
    lw   t1, 0(a0)
    la   t0, k_rsv_free
    sw   t1, 0(t0)                  # head = link[pfn]
    lw   t1, PCB_TABLES(s0)
    sw   t1, 0(a0)                  # link[pfn] = the process's list
    sw   s1, PCB_TABLES(s0)         # the process's list starts with pfn
    slli a0, s1, PAGE_SHIFT
    call pa_to_kva
    call zero_page
    slli a0, s1, PAGE_SHIFT
    j    .out
.empty:
    li   a0, 0
.out:
    pop  s1
    pop  s0
    pop  lr
    ret

# vm_free_tables: give back every page table of process a0 (at exit).
#   a0 = PCB. Clobbers a0, t0-t2.
vm_free_tables:
    push lr
    push s0
    push s1
    push s2
    mv   s0, a0
    # The root: k_root_pages consecutive frames.
    lw   s1, PCB_ROOT(s0)
    srli s1, s1, PAGE_SHIFT
    la   t0, k_root_pages
    lw   s2, 0(t0)
    add  s2, s2, s1                 # s2 = the frame after the root
.root:
    beq  s1, s2, .list
    mv   a0, s1
    call rsv_free
    addi s1, s1, 1
    j    .root
.list:
    lw   s1, PCB_TABLES(s0)
.next:
    li   t0, NIL
    beq  s1, t0, .done
    mv   a0, s1
    call rsv_link_addr
    lw   t1, 0(a0)                  # the next table, read before rsv_free rewrites the link
    mv   a0, s1
    mv   s1, t1
    call rsv_free
    j    .next
.done:
    li   t0, NIL
    sw   t0, PCB_TABLES(s0)
    sw   t0, PCB_LEAF_TAG(s0)       # (its leaf table is gone)
    sw   zero, PCB_ROOT(s0)
    pop  s2
    pop  s1
    pop  s0
    pop  lr
    ret

# vm_lookup: walk process a0's tables in software, as the hardware would, without changing
# anything. The leaf table the walk reaches is remembered in the PCB (PCB_LEAF_TAG, _TABLE): an
# address with the same bits above the leaf index (nearly every fault's: they lie in the same
# 4 MiB with the default geometry) takes its entry there without walking. Tables are freed
# only when the process ends, so what is remembered stays true.
#   a0 = PCB, a1 = virtual address.
#   Returns a1 = 1 and a0 = kernel address of the leaf PTE, or a1 = 0 and a0 = kernel address
#   of the not-valid pointer entry where the walk stopped (a table on the way is missing).
#   Clobbers a2, a3, t0-t4.
vm_lookup:
    lui  a2, %hi(k_leaf_tag_mask)   # (one %hi for the k_* words: layout.s)
    lw   t0, %lo(k_leaf_tag_mask)(a2)
    and  t0, a1, t0                 # t0 = the bits that choose the leaf table
    lw   t1, PCB_LEAF_TAG(a0)
    bne  t0, t1, .walk
    lw   t0, PCB_LEAF_TABLE(a0)
    srli t1, a1, PAGE_SHIFT - PTE_SIZE_SHIFT
    lw   t2, %lo(k_leaf_index_bytes)(a2)
    and  t1, t1, t2                 # t1 = the leaf index, in bytes
    add  a0, t0, t1
    li   a1, 1
    ret
.walk:
    lw   t0, PCB_ROOT(a0)
    li   t1, KSEG_BASE
    or   t0, t0, t1                 # t0 = kernel address of the current table
    lw   t2, %lo(k_levels)(a2)      # t2 = levels left
    la   t3, k_level                # t3 = this level's LV_* record
.loop:
    lw   t4, LV_SHIFT(t3)
    srl  t4, a1, t4
    lw   a3, LV_MASK(t3)
    and  t4, t4, a3
    slli t4, t4, PTE_SIZE_SHIFT
    add  t4, t0, t4                 # t4 = the entry for a1 at this level
    addi t2, t2, -1
    beqz t2, .leaf
    lw   a3, 0(t4)
    andi a2, a3, PTE_V
    beqz a2, .missing
    srli a3, a3, PTE_PFN_SHIFT      # follow the pointer: PFN -> kernel address
    slli a3, a3, PAGE_SHIFT
    or   t0, a3, t1
    addi t3, t3, LV_SIZE
    j    .loop
.leaf:
    lui  a2, %hi(k_leaf_tag_mask)   # remember the leaf table t0
    lw   a3, %lo(k_leaf_tag_mask)(a2)
    and  a3, a1, a3
    sw   a3, PCB_LEAF_TAG(a0)
    sw   t0, PCB_LEAF_TABLE(a0)
    mv   a0, t4
    li   a1, 1
    ret
.missing:
    mv   a0, t4
    li   a1, 0
    ret

# vm_pte_alloc: the leaf PTE for a virtual address of process a0, creating the tables on the
# way (zeroed, so every entry in them is "not present, never loaded").
#   a0 = PCB, a1 = virtual address.
#   Returns a0 = kernel address of the leaf PTE, or 0 if the reserve has no frame left.
#   Clobbers a1-a3, t0-t4.
vm_pte_alloc:
    push lr
    push s0
    push s1
    push s2
    mv   s0, a0
    mv   s1, a1
.walk:
    mv   a0, s0
    mv   a1, s1
    call vm_lookup
    bnez a1, .done
    mv   s2, a0                     # the missing pointer entry
    mv   a0, s0
    call rsv_alloc_table
    beqz a0, .done                  # a0 = 0: no frame
    ori  a0, a0, PTE_V              # a pointer: V alone
    sw   a0, 0(s2)
    j    .walk                      # walk again: one level deeper this time
.done:
    pop  s2
    pop  s1
    pop  s0
    pop  lr
    ret

.data
msg_level_too_big: .asciz "page-table levels below the root must fit in a page"
.text
