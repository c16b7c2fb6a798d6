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
