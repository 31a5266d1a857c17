#!/usr/bin/env bash
# Boots the VM the vm suite runs in: Debian's kernel under qemu (TCG), an
# initramfs with the freshly built keel, libkeel.so, busybox and the test
# programs; /init runs every guest test (the other tests/vm/*.sh, which
# then report their own results from this boot's console log). Passes only
# when the guest reached /init and ran to the end: a boot that prints
# nothing, or stops early, fails whatever qemu's exit status. Skips when
# qemu, a kernel or a static busybox is not installed.
. "$TESTS/lib.sh"
. "$TESTS/vm/vm-host"
VM_BOOT=1 vm_ensure
rc=$?
[ $rc = 77 ] && skip "$VM_WHY"
[ $rc = 0 ] || fail "the initramfs could not be built"
grep '^@@ ' "$VM_LOG"
host=$(grep '^@@ host ' "$VM_LOG")
grep -q '^@@ keel-vm init ' "$VM_LOG" || {
	tail -n 30 "$VM_LOG"; cat "$VM_DIR/qemu.err"
	fail "the guest never reached /init ($host)"
}
grep -q '^@@ done ' "$VM_LOG" || {
	tail -n 30 "$VM_LOG"
	fail "the guest did not run to the end ($host)"
}
# isa-debug-exit: /init hands 0, qemu exits (0 << 1) | 1
expect_match "qemu status" "qemu_status=1 " "$host"
boot=$(sed -n 's/^@@ keel-vm init uptime=//p' "$VM_LOG")
echo "kernel boot to /init: ${boot} s (guest uptime); whole VM run: $(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$host") s"
exit 0
