# Ring-3 programs (docs/ring3.md): static x86-64 Linux ELF executables that
# run the same on faultline and on Linux. Included by the top Makefile.
#
#   user/rt/*.c, *.S    the freestanding runtime (plus base/format, string, json, signal)
#   user/tests/NAME.c   a test program on the runtime  -> build/user/NAME
#   user/musl/NAME.c    an ordinary C program, musl-gcc -static -> build/user/NAME
#   user/bench/bench_NAME.c  a fault-latency workload (docs/bench.md) -> build/user/bench_NAME,
#                       linked with the rest of user/bench/*.c (the harness)
#
#   user/vdso/          the vDSO, a shared object the kernel embeds -> build/vdso/vdso.so
#
# `make user` builds them all; user/run_on_linux.sh runs them on this host.

USER_CC      := clang
USER_LD      := ld.lld
USER_MUSL_CC := musl-gcc

USER_CFLAGS := --target=x86_64-linux-gnu -std=c11 -ffreestanding -fno-stack-protector \
	-O2 -fno-pic -fno-pie -ffunction-sections -fdata-sections \
	-Wall -Wextra -Wconditional-uninitialized -Werror -I.
# Non-PIE (ET_EXEC) at lld's default base; every PT_LOAD page-aligned in the
# file and in memory, no segment sharing a page (what kernel/elf.h expects).
USER_LDFLAGS := -static -nostdlib -e _start --gc-sections --build-id=none --fatal-warnings \
	-z noexecstack -z separate-loadable-segments
USER_MUSL_CFLAGS := -static -O2 -std=c11 -Wall -Wextra -Werror

USER_RT_SRCS := $(wildcard user/rt/*.c) base/format.c base/string.c base/json.c base/signal.c
USER_RT_ASM  := $(wildcard user/rt/*.S)
USER_RT_OBJS := $(patsubst %.c,$(BUILD)/user/obj/%.o,$(USER_RT_SRCS)) \
	$(patsubst %.S,$(BUILD)/user/obj/%.o,$(USER_RT_ASM))

USER_TEST_SRCS := $(wildcard user/tests/*.c)
USER_MUSL_SRCS := $(wildcard user/musl/*.c)
USER_TEST_BINS := $(patsubst user/tests/%.c,$(BUILD)/user/%,$(USER_TEST_SRCS))
USER_MUSL_BINS := $(patsubst user/musl/%.c,$(BUILD)/user/%,$(USER_MUSL_SRCS))
# Static PIEs (ET_DYN, no interpreter). Debian's musl-gcc ignores -static-pie,
# so they are linked by hand with musl's self-relocating rcrt1.o.
USER_MUSL_PIE_SRCS := $(wildcard user/musl_pie/*.c)
USER_MUSL_PIE_BINS := $(patsubst user/musl_pie/%.c,$(BUILD)/user/%,$(USER_MUSL_PIE_SRCS))
USER_BENCH_SRCS := $(wildcard user/bench/bench_*.c)
USER_BENCH_LIB_SRCS := $(filter-out $(USER_BENCH_SRCS),$(wildcard user/bench/*.c))
USER_BENCH_LIB_OBJS := $(patsubst %.c,$(BUILD)/user/obj/%.o,$(USER_BENCH_LIB_SRCS))
USER_BENCH_BINS := $(patsubst user/bench/%.c,$(BUILD)/user/%,$(USER_BENCH_SRCS))
USER_BINS := $(USER_TEST_BINS) $(USER_MUSL_BINS) $(USER_MUSL_PIE_BINS) $(USER_BENCH_BINS)

$(BUILD)/user/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [u]  $<"
	@$(USER_CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/user/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS [u]  $<"
	@$(USER_CC) --target=x86_64-linux-gnu -I. -MMD -MP -c $< -o $@

$(USER_TEST_BINS): $(BUILD)/user/%: $(BUILD)/user/obj/user/tests/%.o $(USER_RT_OBJS)
	@echo "  LD [u]  $@"
	@$(USER_LD) $(USER_LDFLAGS) $^ -o $@

$(USER_BENCH_BINS): $(BUILD)/user/%: $(BUILD)/user/obj/user/bench/%.o $(USER_BENCH_LIB_OBJS) $(USER_RT_OBJS)
	@echo "  LD [u]  $@"
	@$(USER_LD) $(USER_LDFLAGS) $^ -o $@

$(USER_MUSL_BINS): $(BUILD)/user/%: user/musl/%.c $(wildcard user/musl/*.h)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@$(USER_MUSL_CC) $(USER_MUSL_CFLAGS) $< -o $@

$(USER_MUSL_PIE_BINS): $(BUILD)/user/%: user/musl_pie/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSLPIE $@"
	@L=$$(sed -n 's|.*-specs "\(.*\)/musl-gcc.specs".*|\1|p' "$$(command -v $(USER_MUSL_CC))"); \
	$(USER_MUSL_CC) -fPIE -pie -nostartfiles -O2 -Wall -Wextra -Werror "$$L/rcrt1.o" "$$L/crti.o" \
		"$$($(USER_MUSL_CC) -print-file-name=crtbeginS.o)" $< "$$($(USER_MUSL_CC) -print-file-name=crtendS.o)" \
		"$$L/crtn.o" -Wl,-static -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text -o $@

# The vDSO (user/vdso/vdso.c, docs/ring3.md "The vDSO"): position-independent,
# no writable data, no relocations; linked with ld.lld at 0 by its own script
# (one R+X segment holding the ELF headers, symbols versioned LINUX_2.6), then
# embedded in the kernel image (kernel/vdso_image.S).
VDSO_SO := $(BUILD)/vdso/vdso.so
VDSO_CFLAGS := --target=x86_64-linux-gnu -std=c11 -ffreestanding -fno-stack-protector -O2 -fPIC \
	-fvisibility=hidden -fno-asynchronous-unwind-tables -mno-sse -mno-red-zone \
	-Wall -Wextra -Werror -I.
VDSO_OBJS := $(BUILD)/vdso/vdso.o $(BUILD)/vdso/math64.o

$(BUILD)/vdso/vdso.o: user/vdso/vdso.c
	@mkdir -p $(dir $@)
	@echo "  CC [v]  $<"
	@$(USER_CC) $(VDSO_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/vdso/math64.o: base/math64.c
	@mkdir -p $(dir $@)
	@echo "  CC [v]  $<"
	@$(USER_CC) $(VDSO_CFLAGS) -MMD -MP -c $< -o $@

$(VDSO_SO): $(VDSO_OBJS) user/vdso/vdso.lds
	@echo "  LD [v]  $@"
	@$(USER_LD) -shared -soname linux-vdso.so.1 --hash-style=both --build-id=none -z max-page-size=4096 \
		-z noexecstack --no-undefined -Bsymbolic --fatal-warnings -T user/vdso/vdso.lds $(VDSO_OBJS) -o $@
	@if readelf -rW $@ | grep -q 'Relocation section'; then echo "$@ has relocations"; rm -f $@; exit 1; fi

$(BUILD)/obj/kernel/vdso_image.o: $(VDSO_SO)

.PHONY: user print-user-bins
user: $(USER_BINS)

print-user-bins:
	@echo $(USER_BINS)

-include $(shell find $(BUILD)/user/obj $(BUILD)/vdso -name '*.d' 2>/dev/null)
