/* The LICENSE file carried inside keel, so that `keel -l` prints it from
 * the one file an image ships. A NUL ends it: main.c prints it as a
 * string. */
	.section .rodata.keel_license, "a"
	.globl keel_license
keel_license:
	.incbin LICENSE_PATH
	.byte 0
	.section .note.GNU-stack, "", @progbits
