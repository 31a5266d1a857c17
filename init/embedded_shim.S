/* libkeel.so carried inside keel, so one copied file deploys both: inject.c
 * puts these bytes in a memfd when no libkeel.so sits next to keel. */
	.section .rodata.keel_shim, "a"
	.balign 16
	.globl keel_shim_start
keel_shim_start:
	.incbin LIBKEEL_PATH
	.globl keel_shim_end
keel_shim_end:
	.section .note.GNU-stack, "", @progbits
