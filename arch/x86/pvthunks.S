/*
 * Room in the kernel's text for the call-counting thunks that `pvstats`
 * writes at boot (kernel/pvpatch.c): 64 thunks of 32 bytes. In the text so
 * that they stay executable after the text becomes read-only.
 */
    .section .text.pvthunks, "ax"
    .balign 32
    .globl pvthunks
pvthunks:
    .fill 64 * 32, 1, 0xcc
