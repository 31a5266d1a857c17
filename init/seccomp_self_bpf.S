/* keel's own seccomp filter, compiled to BPF when keel was built
 * (seccomp_self_rules.c); seccomp_self.c loads it as is. */
	.section .rodata.keel_self_filter, "a"
	.balign 8
	.globl keel_self_filter_start
keel_self_filter_start:
	.incbin SELF_BPF_PATH
	.globl keel_self_filter_end
keel_self_filter_end:
	.section .note.GNU-stack, "", @progbits
