# keel: one flat Makefile, no configure.
#   make            build/keel (static, musl) with build/libkeel.so inside it
#   make test       every test suite; ends with "N passed, M failed"
#   make bench      the side-by-side benchmarks; writes docs/BENCHMARKS.md
#   make fuzz       each libFuzzer harness in tests/fuzz for FUZZ_SECONDS (60)
#   make install    PREFIX (/usr/local), DESTDIR, MANDIR (PREFIX/share/man)
#   make deb        build/keel_VERSION_ARCH.deb; make dist: a source tarball
#   make check-docs the docs match the option table and the binary
#   V=1             show full commands
#   SANITIZER=address,undefined  for tests: the unit runner and the fuzz
#                   replays on glibc under both, keel, libkeel.so and the
#                   test programs under UBSan (see SAN_FLAGS below)
#   SHIM_STRIP=     keep libkeel.so's symbols (perf, gdb); keel embeds the .so,
#                   so it is stripped by default
# Sources are found by wildcard: a new .c file in a folder needs no edit here.

MUSL_CC   ?= musl-gcc
CC        ?= cc
OBJCOPY   ?= objcopy
PREFIX    ?= /usr/local
MANDIR    ?= $(PREFIX)/share/man
BUILD     := build

Q := $(if $(V),,@)
msg = $(if $(V),,@printf '  %-6s %s\n' $(1) $(2);)

WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wno-missing-field-initializers
DEPS       = -MMD -MP

# The init: static musl, small. Kernel and libseccomp headers are copied into
# a private folder because musl-gcc must not see glibc's /usr/include.
INIT_SRC  := $(wildcard init/*.c)
INIT_ASM  := $(wildcard init/*.S)
COMMON_SRC := $(wildcard common/*.c)
INIT_OBJ  := $(INIT_SRC:%.c=$(BUILD)/%.o) $(INIT_ASM:%.S=$(BUILD)/%.o) \
             $(COMMON_SRC:%.c=$(BUILD)/init-common/%.o)
KINC      := $(BUILD)/include
SECCOMP_A := $(wildcard /usr/lib/*-linux-gnu/libseccomp.a)
INIT_CFLAGS := $(WARN) -Os -D_GNU_SOURCE -I. -I$(BUILD) -isystem $(KINC) \
             -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
             -fno-pie $(if $(SECCOMP_A),-DKEEL_HAVE_SECCOMP=1)
# keel is a static non-PIE executable: PIE code only cost bytes, and static
# musl never mprotects PT_GNU_RELRO (the page stays rw-), so relro's page
# alignment only cost file bytes too (up to 4 KB).
INIT_LDFLAGS := -static -s -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none \
             -Wl,-z,norelro
# libseccomp.a as linked: a copy without .eh_frame (7 KB), which a static
# C program with no exceptions, backtraces or unwinder never reads.
INIT_LIBS := $(if $(SECCOMP_A),$(BUILD)/libseccomp.a)

# The shim: one libc-agnostic shared object. No libc, hidden symbols,
# initial-exec TLS, and a version script that exports the malloc API only.
SHIM_SRC  := $(wildcard shim/*.c)
SHIM_OBJ  := $(SHIM_SRC:%.c=$(BUILD)/%.o) $(COMMON_SRC:%.c=$(BUILD)/shim-common/%.o)
SHIM_CFLAGS := $(WARN) -O2 -g -fPIC -I. -fvisibility=hidden \
             -ftls-model=initial-exec -fno-stack-protector -fno-plt \
             -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc \
             -fno-builtin-realloc -fno-semantic-interposition \
             -fno-asynchronous-unwind-tables
SHIM_STRIP ?= -s
# Layout only, no code change: noseparate-code packs the segments without
# page padding (6 KB), gnu hash alone is what glibc and musl look up.
SHIM_LDFLAGS := $(SHIM_STRIP) -shared -nostdlib -Wl,--version-script=shim/libkeel.map \
             -Wl,-z,now -Wl,-z,noexecstack -Wl,--hash-style=gnu -Wl,-soname,libkeel.so \
             -Wl,-z,noseparate-code -Wl,--gc-sections
SHIM_LIBS := -lgcc

# SANITIZER=address,undefined (any list -fsanitize takes). A finding stops
# the program: UBSan's default is to print and carry on, which no test sees.
comma     := ,
SAN_LIST  := $(subst $(comma), ,$(SANITIZER))
SAN_FLAGS := $(if $(SANITIZER),-fsanitize=$(SANITIZER) \
             -fno-sanitize-recover=all -fno-omit-frame-pointer)
# keel and libkeel.so cannot take ASan (static musl; a malloc of their
# own) but can take UBSan without its runtime: a trap at each check, so
# undefined behaviour stops keel or the program with SIGILL where the pid1,
# shim and guard suites see it. (No message: rebuild the code in question
# on the host to learn which check.)
BIN_SAN   := $(if $(filter undefined,$(SAN_LIST)),-fsanitize=undefined \
             -fsanitize-undefined-trap-on-error)
# The SANITIZER= of the last build: what depends on it is rebuilt when it
# changes (make would otherwise keep objects built the other way).
SAN_STAMP := $(BUILD)/sanitizer.stamp
ifneq ($(SANITIZER),$(shell cat $(SAN_STAMP) 2>/dev/null))
$(shell mkdir -p $(BUILD) && echo '$(SANITIZER)' > $(SAN_STAMP))
endif

# Tests: host (glibc) and musl programs the suites run under the shim.
# Every one of them runs with libkeel.so preloaded (the shim suite, and the
# pid1 and guard suites under keel, which injects it): ASan, which brings
# its own malloc and must be the first library loaded, cannot work there
# and would take away the malloc under test. They get UBSan only.
TEST_SAN  := $(if $(filter undefined,$(SAN_LIST)),-fsanitize=undefined \
             -fno-sanitize-recover=undefined)
TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-result \
             -Wno-alloc-size-larger-than -Wno-use-after-free -Wno-free-nonheap-object \
             -Wno-array-bounds -Wno-stringop-overflow -Wno-unused-parameter \
             -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc \
             -fno-builtin-free -pthread $(TEST_SAN)
UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_OBJ  := $(UNIT_SRC:%.c=$(BUILD)/%.o)
TEST_PROGS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/pid1/*.c tests/shim/*.c tests/guard/*.c tests/bench/*.c tests/vm/*.c))
# deny is a launcher (a seccomp filter, then exec), not a program the shim
# loads into; musl-gcc has no kernel headers for its filter
MUSL_PROGS := $(patsubst tests/shim/%.c,$(BUILD)/tests/musl/%,$(filter-out tests/shim/deny.c,$(wildcard tests/shim/*.c)))

all: $(BUILD)/keel $(BUILD)/libkeel.so

# --- the shim ---------------------------------------------------------------
$(BUILD)/libkeel.so: $(SHIM_OBJ) shim/libkeel.map
	$(call msg,LD,$@)$(CC) $(SHIM_LDFLAGS) -o $@ $(SHIM_OBJ) $(SHIM_LIBS)

$(BUILD)/shim/%.o: shim/%.c $(SAN_STAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(SHIM_CFLAGS) $(BIN_SAN) $(DEPS) -c -o $@ $<

$(BUILD)/shim-common/%.o: %.c $(SAN_STAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(SHIM_CFLAGS) $(BIN_SAN) $(DEPS) -c -o $@ $<

# --- the init ---------------------------------------------------------------
$(BUILD)/keel: $(INIT_OBJ) $(INIT_LIBS)
	$(call msg,LD,$@)$(MUSL_CC) $(INIT_CFLAGS) $(INIT_LDFLAGS) -o $@ $(INIT_OBJ) $(INIT_LIBS)

$(BUILD)/libseccomp.a: $(SECCOMP_A)
	@mkdir -p $(@D)
	$(call msg,OBJCOPY,$@)$(OBJCOPY) --remove-section=.eh_frame $< $@

$(BUILD)/init/%.o: init/%.c $(KINC)/.stamp $(SAN_STAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) $(INIT_CFLAGS) $(BIN_SAN) $(DEPS) -c -o $@ $<

# init/*.S may .incbin the shim (keel carries libkeel.so inside itself) and
# keel's own seccomp filter, which libseccomp compiles here, once, rather
# than at every start of PID 1.
SELF_BPF := $(BUILD)/seccomp_self.bpf
$(BUILD)/init/%.o: init/%.S $(BUILD)/libkeel.so $(SELF_BPF) LICENSE
	@mkdir -p $(@D)
	$(call msg,AS,$@)$(MUSL_CC) -DLIBKEEL_PATH='"$(BUILD)/libkeel.so"' \
		-DSELF_BPF_PATH='"$(SELF_BPF)"' -DLICENSE_PATH='"LICENSE"' -c -o $@ $<

$(BUILD)/seccomp_self_gen: $(BUILD)/init/gen/seccomp_self_gen.o \
		$(BUILD)/init/seccomp_self_rules.o $(BUILD)/init/compat_fortify.o \
		$(INIT_LIBS)
	$(call msg,LD,$@)$(MUSL_CC) -static -o $@ $^

# libseccomp's system call table cut to the architectures keel's filters
# use (init/seccomp_table.c), generated from the whole table: 45 KB less.
$(BUILD)/seccomp_table_gen: $(BUILD)/init/gen/seccomp_table_gen.o \
		$(BUILD)/init/compat_fortify.o $(INIT_LIBS)
	$(call msg,LD,$@)$(MUSL_CC) -static -o $@ $^

$(BUILD)/seccomp_table.h: $(BUILD)/seccomp_table_gen
	$(call msg,GEN,$@)$< > $@.tmp && mv $@.tmp $@

$(BUILD)/init/seccomp_table.o: $(if $(SECCOMP_A),$(BUILD)/seccomp_table.h)

$(SELF_BPF): $(BUILD)/seccomp_self_gen
	$(call msg,GEN,$@)$< > $@.tmp && mv $@.tmp $@

$(BUILD)/init-common/%.o: %.c $(KINC)/.stamp $(SAN_STAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) $(INIT_CFLAGS) $(BIN_SAN) $(DEPS) -c -o $@ $<

$(KINC)/.stamp:
	@mkdir -p $(KINC)
	$(Q)cp -r /usr/include/linux /usr/include/asm-generic $(KINC)/
	$(Q)cp -r /usr/include/$$($(CC) -dumpmachine)/asm $(KINC)/
	$(Q)if [ -f /usr/include/seccomp.h ]; then cp /usr/include/seccomp*.h $(KINC)/; fi
	@touch $@

$(SAN_STAMP):
	@mkdir -p $(@D)
	@echo '$(SANITIZER)' > $@

# --- host builds: sanitizers and fuzzing ------------------------------------
# ASan and libFuzzer need glibc, and keel is static musl, so the init's
# logic (every file of init/ and common/ but main.c) is also compiled for
# the host, into an archive from which a program links only what it uses:
#   build/host/  $(CC) with SANITIZER=: the unit runner when SANITIZER is
#                set, and the fuzz harnesses' replay programs (make test)
#   build/fuzz/  clang with libFuzzer, ASan and UBSan (make fuzz)
HOST      := $(BUILD)/host
FUZZ      := $(BUILD)/fuzz
FUZZ_CC   ?= clang
FUZZ_SECONDS ?= 60
HOST_SRC  := $(filter-out init/main.c,$(INIT_SRC)) $(COMMON_SRC)
HOST_BASE := $(WARN) -O1 -g -D_GNU_SOURCE -I. -I$(BUILD) \
             $(if $(SECCOMP_A),-DKEEL_HAVE_SECCOMP=1)
HOST_CFLAGS := $(HOST_BASE) $(SAN_FLAGS)
FUZZ_CFLAGS := $(HOST_BASE) -fsanitize=fuzzer-no-link,address,undefined \
             -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZERS   := $(FUZZ_NAMES:%=$(FUZZ)/fuzz_%)
REPLAYS   := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%)
HOST_GEN  := $(if $(SECCOMP_A),$(BUILD)/seccomp_table.h)

$(HOST)/%.o: %.c $(SAN_STAMP) $(HOST_GEN)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(HOST_CFLAGS) $(HOST_INC) $(DEPS) -c -o $@ $<
$(HOST)/tests/unit/%.o: HOST_INC := -Itests/unit

$(HOST)/%.o: %.S $(BUILD)/libkeel.so $(SELF_BPF) LICENSE
	@mkdir -p $(@D)
	$(call msg,AS,$@)$(CC) -DLIBKEEL_PATH='"$(BUILD)/libkeel.so"' \
		-DSELF_BPF_PATH='"$(SELF_BPF)"' -DLICENSE_PATH='"LICENSE"' -c -o $@ $<

$(FUZZ)/obj/%.o: %.c $(HOST_GEN)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPS) -c -o $@ $<

$(HOST)/libinit.a: $(HOST_SRC:%.c=$(HOST)/%.o) $(INIT_ASM:%.S=$(HOST)/%.o)
	$(call msg,AR,$@)rm -f $@ && ar rcs $@ $^

$(FUZZ)/libinit.a: $(HOST_SRC:%.c=$(FUZZ)/obj/%.o)
	$(call msg,AR,$@)rm -f $@ && ar rcs $@ $^

# A harness with libFuzzer's main, and the same harness with replay.c's,
# which runs files through it once (tests/fuzz/replay.sh, in make test).
$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ)/libinit.a
	$(call msg,LD,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ)/libinit.a

$(REPLAYS): $(BUILD)/tests/fuzz/fuzz_%: $(HOST)/tests/fuzz/fuzz_%.o \
		$(HOST)/tests/fuzz/replay.o $(HOST)/libinit.a
	@mkdir -p $(@D)
	$(call msg,LD,$@)$(CC) $(HOST_CFLAGS) -o $@ $^ $(SECCOMP_A)

fuzz: $(FUZZERS)
	$(Q)tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_NAMES)

# --- tests ------------------------------------------------------------------
# The unit runner: static musl like keel; with SANITIZER, on glibc from the
# host archive (the sanitizers' runtimes need glibc).
ifeq ($(SANITIZER),)
$(BUILD)/unit: $(UNIT_OBJ) $(filter-out $(BUILD)/init/main.o,$(INIT_OBJ)) \
		$(INIT_LIBS) $(SAN_STAMP)
	$(call msg,LD,$@)$(MUSL_CC) -static -o $@ $(filter-out $(SAN_STAMP),$^)
else
$(BUILD)/unit: $(UNIT_SRC:%.c=$(HOST)/%.o) $(HOST)/libinit.a $(SAN_STAMP)
	$(call msg,LD,$@)$(CC) $(HOST_CFLAGS) -o $@ \
		$(filter-out $(SAN_STAMP),$^) $(SECCOMP_A)
endif

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(KINC)/.stamp
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) $(INIT_CFLAGS) -Itests/unit $(DEPS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(SAN_STAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(TEST_CFLAGS) $(DEPS) -o $@ $< -lm

# The same shim test programs linked against musl: the shim must load there.
$(BUILD)/tests/musl/%: tests/shim/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) $(filter-out -fsanitize%,$(TEST_CFLAGS)) $(DEPS) -o $@ $< -lm

$(filter $(BUILD)/tests/shim/%,$(TEST_PROGS)) $(MUSL_PROGS): tests/shim/rss.h tests/shim/faults.h

# The VM suite's container runtime runs in the guest before any library is
# there: static musl (its other programs are glibc ones; the suite copies
# their libraries into the guest).
$(BUILD)/tests/vm/vmctr: tests/vm/vmctr.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

# keel stats shows why a static program has no heap: the guard suite
# needs one that holds memory.
$(BUILD)/tests/guard/hold_static: tests/guard/hold_static.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

# The same filter built with libseccomp's whole system call table and with
# keel's cut one (tests/pid1/seccomp_table.sh compares their BPF).
SECCOMP_EQ := $(if $(SECCOMP_A),$(BUILD)/tests/seccomp/table_eq_full \
              $(BUILD)/tests/seccomp/table_eq_cut)
$(BUILD)/tests/seccomp/table_eq_full: tests/seccomp/table_eq.c \
		$(BUILD)/init/compat_fortify.o $(INIT_LIBS) $(KINC)/.stamp
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) $(INIT_CFLAGS) -static -o $@ $< \
		$(BUILD)/init/compat_fortify.o $(INIT_LIBS)
$(BUILD)/tests/seccomp/table_eq_cut: tests/seccomp/table_eq.c \
		$(BUILD)/init/seccomp_table.o $(BUILD)/init/compat_fortify.o \
		$(INIT_LIBS) $(KINC)/.stamp
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(MUSL_CC) $(INIT_CFLAGS) -static -o $@ $< \
		$(BUILD)/init/seccomp_table.o $(BUILD)/init/compat_fortify.o \
		$(INIT_LIBS)

test-programs: $(TEST_PROGS) $(MUSL_PROGS) $(SECCOMP_EQ) $(REPLAYS)

SUITES ?= unit fuzz pid1 shim guard vm images
test: all $(BUILD)/unit test-programs
	$(Q)tests/run $(SUITES)

test-unit test-fuzz test-pid1 test-shim test-guard test-vm test-images: all $(BUILD)/unit test-programs
	$(Q)tests/run $(@:test-%=%)

# --- benchmarks, docs, install ---------------------------------------------
# Workloads are built -O2 (a benchmark of -O1 code measures the compiler);
# this rule's shorter stem wins over the generic tests rule.
BENCH_PROGS := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(wildcard tests/bench/*.c))

$(BUILD)/tests/bench/%: tests/bench/%.c tests/bench/bench.h $(SAN_STAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(TEST_CFLAGS) -O2 $(DEPS) -o $@ $< -lm

bench-programs: $(BENCH_PROGS)
.PHONY: bench-programs

bench: all bench-programs
	$(Q)tests/bench/run

bench-quick: all bench-programs
	$(Q)tests/bench/run --quick

docs: all
	$(Q)if [ -x tests/docs/generate ]; then tests/docs/generate; fi

# the generated docs match the option table, and what README.md and docs/
# quote of keel is what the binary prints (tests/docs/quoted)
check-docs: all
	$(Q)if [ -x tests/docs/generate ]; then tests/docs/generate --check; fi
	$(Q)tests/docs/quoted

# keel finds the library at ../lib/keel/ from its own folder
# (init/inject_file.c); the man page is docs/keel.1 as generated.
install: all
	install -D -m 0755 $(BUILD)/keel $(DESTDIR)$(PREFIX)/bin/keel
	install -D -m 0644 $(BUILD)/libkeel.so $(DESTDIR)$(PREFIX)/lib/keel/libkeel.so
	install -D -m 0644 docs/keel.1 $(DESTDIR)$(MANDIR)/man1/keel.1

# A Debian package (packaging/deb/build: dpkg-deb, no debhelper) and a
# source tarball of the committed tree with its sha256.
VERSION   = $(shell $(BUILD)/keel --version 2>/dev/null | awk '{ print $$NF }')
deb: all
	$(Q)packaging/deb/build $(BUILD)/keel $(BUILD)/libkeel.so \
		$(BUILD)/keel_$(VERSION)_$(shell dpkg --print-architecture).deb

dist: all
	$(Q)git -c tar.umask=0022 archive --format=tar.gz --prefix=keel-$(VERSION)/ \
		-o $(BUILD)/keel-$(VERSION).tar.gz HEAD
	$(Q)cd $(BUILD) && sha256sum keel-$(VERSION).tar.gz > keel-$(VERSION).tar.gz.sha256
	@echo $(BUILD)/keel-$(VERSION).tar.gz

clean:
	rm -rf $(BUILD)

.PHONY: all test test-programs test-unit test-fuzz test-pid1 test-shim \
        test-guard test-vm test-images fuzz bench bench-quick docs check-docs \
        install deb dist clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- the example README's first command runs --------------------------------
demo:
	$(Q)tests/install-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/demo
.PHONY: demo

# --- the image users copy keel from -----------------------------------------
# (make test-images builds it and the demo in a private Docker engine:
# tests/images/engine)
image:
	docker build -t keel -f images/build/Dockerfile .
.PHONY: image
