# faultline build. `make` builds build/faultline.efi and build/faultline.img;
# `make test` runs the host unit tests and the QEMU integration tests.
# Dependencies (clang, lld, gnu-efi, OVMF, QEMU, mtools, gdisk, fonts, musl)
# are installed from Debian packages by tools/deps.sh when missing.

BUILD   := build
CC      := clang
LD      := lld-link
PYTHON  := python3
FONT    ?= /usr/share/consolefonts/Lat15-Terminus16.psf.gz

# `make DEBUG=1`: -Og without LTO, for stepping through the kernel in gdb.
ifeq ($(DEBUG),1)
KERNEL_OPT := -Og
else
KERNEL_OPT := -O2 -flto=thin
endif

KERNEL_CFLAGS := --target=x86_64-unknown-windows -std=c11 -ffreestanding -fno-stack-protector \
	-mno-red-zone -mno-stack-arg-probe -mgeneral-regs-only -fshort-wchar -fno-builtin \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-delete-null-pointer-checks -fno-strict-aliasing \
	$(KERNEL_OPT) -g -gdwarf-4 -Wall -Wextra -Wconditional-uninitialized -Werror -Wno-unused-parameter -I. \
	-I/usr/include/efi -I/usr/include/efi/x86_64
KERNEL_ASFLAGS := --target=x86_64-unknown-windows -I. -g -gdwarf-4
# Separate RX/R/RW sections, 4 KiB aligned, relocatable (firmware may load us anywhere), NX_COMPAT.
KERNEL_LDFLAGS := /subsystem:efi_application /entry:efi_main /nodefaultlib /dll /dynamicbase \
	/nxcompat /filealign:4096 /base:0x140000000 /largeaddressaware /opt:ref /opt:noicf

# Every kernel source, one concept per file, by folder.
KERNEL_SRCS := $(wildcard base/*.c efi/*.c kernel/*.c cpu/*.c fault/*.c paging/*.c lib/*.c checks/*.c fs/*.c)
KERNEL_ASM  := $(wildcard efi/*.S kernel/*.S cpu/*.S fault/*.S paging/*.S)
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(KERNEL_SRCS)) \
	$(patsubst %.S,$(BUILD)/obj/%.o,$(KERNEL_ASM)) $(BUILD)/obj/font.o $(BUILD)/obj/version.o

HOST_CC     := cc
HOST_CFLAGS := -std=c11 -I. -I/usr/include/efi -I/usr/include/efi/x86_64 -DHOST_TEST -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(UNIT_SRCS))

.PHONY: all deps image usb sign test test-unit test-qemu test-hw-variety test-smp4 qemu-backports fuzz fuzz-linux clean
all: deps $(BUILD)/faultline.img

# The package check runs once; the stamp records that everything was there.
# `make deps` forces it again (after removing packages, say).
DEPS_STAMP := $(BUILD)/.deps-installed
deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh
	@tools/deps.sh
	@mkdir -p $(dir $@) && touch $@
ifneq ($(filter deps,$(MAKECMDGOALS)),)
.PHONY: $(DEPS_STAMP)
endif

# Objects are rebuilt when the compiler flags change (DEBUG=1 and back).
FLAGS_STAMP := $(BUILD)/obj/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(KERNEL_CFLAGS) $(KERNEL_ASFLAGS)' | cmp -s - $@ || echo '$(KERNEL_CFLAGS) $(KERNEL_ASFLAGS)' > $@
FORCE:

$(BUILD)/font.c: $(FONT) tools/psf2c.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/psf2c.py $(FONT) $@

$(BUILD)/obj/font.o: $(BUILD)/font.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# faultline_version (base/kernel.h): `git describe` of the tree built, in the
# boot record and the QR code; the file is rewritten only when it changes.
FAULTLINE_VERSION = $(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/version.c: FORCE
	@mkdir -p $(dir $@)
	@echo 'const char faultline_version[] = "$(FAULTLINE_VERSION)";' | cmp -s - $@ || \
		echo 'const char faultline_version[] = "$(FAULTLINE_VERSION)";' > $@

$(BUILD)/obj/version.o: $(BUILD)/version.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KERNEL_ASFLAGS) -MMD -MP -c $< -o $@

# The EFI application; a second link keeps DWARF in the PE for gdb (run.sh --gdb).
$(BUILD)/faultline.efi: $(KERNEL_OBJS)
	@echo "  LINK    $@"
	@$(LD) $(KERNEL_LDFLAGS) /debug:none /out:$@ $(KERNEL_OBJS)
	@$(LD) $(KERNEL_LDFLAGS) /debug:dwarf /out:$(BUILD)/faultline.debug.efi $(KERNEL_OBJS)
	@$(PYTHON) tools/pecheck.py $@

include user/user.mk

$(BUILD)/faultline.img: $(BUILD)/faultline.efi faultline.cfg tools/mkimage.sh $(USER_BINS) $(wildcard user/files/*)
	@echo "  IMAGE   $@"
	@tools/mkimage.sh $@ $(BUILD)/faultline.efi faultline.cfg $(USER_BINS)

image: $(BUILD)/faultline.img
usb: all
	@echo "build/faultline.img is ready: ./run.sh flash /dev/sdX writes it to a USB stick"

# Secure Boot (docs/secureboot.md): `make sign KEY=db.key CERT=db.crt` signs
# BOOTX64.EFI with sbsign and writes build/faultline-signed.img (SIGNED=PATH
# another name; SIGNED=build/faultline.img signs the stick image in place).
SIGNED ?= $(BUILD)/faultline-signed.img
sign: all
	@tools/sign.sh "$(KEY)" "$(CERT)" $(BUILD)/faultline.efi $(BUILD)/faultline.img "$(SIGNED)"

# test_lz4 checks our LZ4 blocks against Debian's liblz4 (tools/deps.sh installs liblz4-dev).
$(BUILD)/host/test_lz4: HOST_LIBS := -llz4

$(BUILD)/host/%: tests/unit/%.c $(BUILD)/font.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP $< -o $@ -lm $(HOST_LIBS)

# `make test-unit T=vma` runs tests/unit/test_vma.c alone (T: comma list of names).
test-unit: deps
	@FAULTLINE_TESTS=unit FAULTLINE_UNIT='$(T)' $(PYTHON) tests/run_all.py

# QEMU 10 from bookworm-backports in ~/.cache/faultline (tools/fetch_qemu.sh,
# docs/qemu.md) for the x2APIC cases; quick when it is there. When it cannot be
# fetched those cases say skipped, with the reason, and the rest still run.
qemu-backports:
	@tools/fetch_qemu.sh || true

test-qemu: all qemu-backports
	@FAULTLINE_TESTS=qemu $(PYTHON) tests/run_all.py

test: deps
	@$(MAKE) --no-print-directory all qemu-backports
	@$(PYTHON) tests/run_all.py

# Boots on other machine types, firmware builds, CPU models, CPU counts and
# memory sizes (tests/qemu/hw_variety.py); .ci/run runs it after make test.
test-hw-variety: all
	@FAULTLINE_TESTS=hw-variety $(PYTHON) tests/run_all.py

# The QEMU suite with every case booted on 4 CPUs (FAULTLINE_SMP=4, MTTCG)
# plus the big SMP cases (-smp 8 in xAPIC and x2APIC); SMP=N for another count.
SMP ?= 4
test-smp4: all qemu-backports
	@FAULTLINE_SMP=$(SMP) FAULTLINE_TESTS=smp $(PYTHON) tests/run_all.py

# The mm fuzzer's long run (docs/ring3.md, "Fuzzer"): FUZZ_SEEDS seeds from
# FUZZ_FIRST, FUZZ_OPS operations each, in one faultline boot (10 x 1 000 000
# by default: 3 to 9 minutes under TCG); fuzz-linux runs the same seeds on
# this host's Linux, the reference.
FUZZ_FIRST ?= 1
FUZZ_SEEDS ?= 10
FUZZ_OPS   ?= 1000000
FUZZ_ARGS = --first $(FUZZ_FIRST) --seeds $(FUZZ_SEEDS) --ops $(FUZZ_OPS)

fuzz: all
	@$(PYTHON) tests/qemu/fuzz.py $(FUZZ_ARGS)

fuzz-linux: $(BUILD)/user/mm_fuzz
	@$(PYTHON) tests/qemu/fuzz.py --host $(FUZZ_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/host -name '*.d' 2>/dev/null)

# The PE test reads the built application.
$(BUILD)/host/test_pe: $(BUILD)/faultline.efi
