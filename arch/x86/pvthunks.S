/*
 * Room in the kernel's text for the call-counting thunks that `pvstats`
 * writes at boot (kernel/pvpatch.c): 72 thunks of 32 bytes, one an op (a build
 * check there holds the ops to it). In the text so
 * that they stay executable after the text becomes read-only.
 */
    .section .text.pvthunks, "ax"
    .balign 32
    .globl pvthunks
pvthunks:
    .fill 72 * 32, 1, 0xcc

/*
 * The thunks' common tail: call the op, then add to the op's entry of
 * pvop_hypercalls how far hypercalls_made (counted where hypercalls are
 * made: pv/xen/hypercall.h, pv/kvm/hypercall.c) moved meanwhile: the
 * hypercalls made while the op ran, nested ops' and those of interrupts
 * taken meanwhile included (and, with several vCPUs, the others'). The
 * count is read, not made, here, so without pvstats nothing of this runs
 * and the hypercall path costs what it always did. The op's arguments
 * stay in their registers and its result comes back untouched; the
 * registers used here are ones every site clobbers (include/proteus/pvops.h).
 */
    .text
    .globl pvthunk_common
pvthunk_common:
#ifdef __x86_64__
    /* R10: the op's index, R11: its pv_ops slot */
    push %r10
    pushq hypercalls_made(%rip)
    sub $8, %rsp                    /* the callee's stack aligned as at the site's call */
    call *(%r11)
    add $8, %rsp
    pop %rcx                        /* hypercalls_made before */
    pop %r10
    neg %rcx
    add hypercalls_made(%rip), %rcx
    add %rcx, pvop_hypercalls(,%r10,8)
    ret
#else
    /* (%esp): the op's implementation, 4(%esp): its index, then the
     * site's return address */
    pushl hypercalls_made
    call *4(%esp)
    popl %ecx                       /* hypercalls_made before */
    negl %ecx
    addl hypercalls_made, %ecx
    pushl %eax                      /* EDX:EAX is the result */
    movl 8(%esp), %eax
    addl %ecx, pvop_hypercalls(,%eax,8)
    adcl $0, pvop_hypercalls+4(,%eax,8)
    popl %eax
    lea 8(%esp), %esp
    ret
#endif
