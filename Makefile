# lbd: one Makefile, no recursion.  Objects go to build/, the sanitizer
# build to build/asan/.  Header dependencies come from -MMD -MP.

PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
# Where systemd and systemd-sysusers look for packaged files under PREFIX
# (/usr/local/lib/... and /usr/lib/... are both on their search paths).
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
SYSCONFDIR	?= /etc

# One short line per file; V=1 shows each command in full.
ifeq ($(V),1)
quiet	=
else
quiet	= @printf '  %-5s %s\n' '$(1)' '$(2)';
endif

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	   -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	   -Wpointer-arith -Wcast-qual -Icommon -Iserver
LDLIBS	= -lconfig
ASAN	= -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined

COMMON_SRCS	= $(wildcard common/*.c)
SERVER_SRCS	= $(filter-out server/main.c,$(wildcard server/*.c))
UNIT_SRCS	= $(wildcard tests/unit/*.c)
INTEG_SRCS	= $(wildcard tests/integration/*.c)
RUNNER_SRCS	= tests/cunit_run.c
BACKENDS	= echo identity slow silent http origin proxy
HEADERS		= $(wildcard common/*.h server/*.h)

# $(call objs,DIR,SRCS): object paths of SRCS under DIR.
objs	= $(patsubst %.c,$(1)/%.o,$(2))
LIB	= $(call objs,$(1),$(COMMON_SRCS) $(SERVER_SRCS))

all: build/lbd

# Both builds share the rules; only the directory and flags differ.
define build_rules
$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(call quiet,CC,$$@)$$(CC) $$(CFLAGS) $(2) -MMD -MP -c $$< -o $$@
$(1)/lbd: $(call LIB,$(1)) $(1)/server/main.o
	$$(call quiet,LD,$$@)$$(CC) $(2) -o $$@ $$^ $$(LDLIBS)
$(1)/unit_tests: $(call LIB,$(1)) $(call objs,$(1),$(UNIT_SRCS) $(RUNNER_SRCS))
	$$(call quiet,LD,$$@)$$(CC) $(2) -o $$@ $$^ $$(LDLIBS) -lcunit
$(1)/integration_tests: $(call LIB,$(1)) \
    $(call objs,$(1),$(INTEG_SRCS) $(RUNNER_SRCS))
	$$(call quiet,LD,$$@)$$(CC) $(2) -o $$@ $$^ $$(LDLIBS) -lcunit
$(1)/backends/%: $(1)/tests/backends/%.o $(call objs,$(1),$(COMMON_SRCS))
	@mkdir -p $$(@D)
	$$(call quiet,LD,$$@)$$(CC) $(2) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call build_rules,build,))
$(eval $(call build_rules,build/asan,$(ASAN)))

TEST_BINS = $(foreach d,build build/asan,$(d)/lbd $(d)/unit_tests \
	    $(d)/integration_tests $(addprefix $(d)/backends/,$(BACKENDS)))

# Fuzzing: libFuzzer targets built by clang with ASan+UBSan; the seeds
# program writes the unit-test tables out as their corpora.  check fuzzes
# each a few seconds when clang with libFuzzer is installed.
FUZZ_CC		= clang
FUZZ_SECONDS	?= 60
FUZZ_FLAGS	= -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Icommon \
		  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_BINS	= $(addprefix build/fuzz/fuzz_,request response chunked config \
		  proxy) \
		  build/fuzz/seeds
HAVE_FUZZ	= mkdir -p build/fuzz && \
		  printf 'int LLVMFuzzerTestOneInput(void){return 0;}' | \
		  $(FUZZ_CC) -fsanitize=fuzzer -x c -o build/fuzz/probe - 2>/dev/null

build/fuzz/fuzz_request build/fuzz/fuzz_response build/fuzz/fuzz_chunked: \
    common/http1.c
build/fuzz/fuzz_config: $(COMMON_SRCS)
build/fuzz/fuzz_proxy: common/proxyproto.c common/net.c
# One compile per binary, so every header counts as a dependency.
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(HEADERS) tests/fuzz/fuzz.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)
build/fuzz/seeds: tests/fuzz/seeds.c tests/unit/http1_cases.c common/http1.c \
    $(HEADERS) tests/unit/http1_cases.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $(filter %.c,$^)

# Each header must compile on its own.
build/headers.stamp: $(HEADERS)
	@mkdir -p build
	@for h in $(HEADERS); do \
		echo "#include \"$$(basename $$h)\"" | \
		$(CC) $(CFLAGS) -x c -fsyntax-only - || exit 1; done
	@touch $@

deps:
	@sh tests/deps.sh

check: deps
	@$(MAKE) --no-print-directory build/headers.stamp $(TEST_BINS)
	@if $(HAVE_FUZZ); then $(MAKE) --no-print-directory $(FUZZ_BINS); \
	    else rm -f $(FUZZ_BINS); fi
	@sh tests/run.sh

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

demo: deps
	@$(MAKE) --no-print-directory build/lbd build/backends/origin
	@sh tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory build/lbd
	@sh tests/bench/run.sh

# The files install adds, for uninstall; an existing lbd.conf is kept.
INSTALLED = $(PREFIX)/sbin/lbd $(PREFIX)/share/man/man8/lbd.8 \
	    $(PREFIX)/share/man/man5/lbd.conf.5 \
	    $(PREFIX)/share/lbd/lbd.conf.example $(UNITDIR)/lbd.service \
	    $(SYSUSERSDIR)/lbd.conf
CONF	= $(DESTDIR)$(SYSCONFDIR)/lbd.conf

install: build/lbd
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/lbd \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(SYSCONFDIR)
	install -m 755 build/lbd $(DESTDIR)$(PREFIX)/sbin/lbd
	install -m 644 man/lbd.8 $(DESTDIR)$(PREFIX)/share/man/man8/lbd.8
	install -m 644 man/lbd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/lbd.conf.5
	install -m 644 etc/lbd.conf $(DESTDIR)$(PREFIX)/share/lbd/lbd.conf.example
	sed -e "s|/usr/local|$(PREFIX)|g" -e "s|/etc/lbd.conf|$(SYSCONFDIR)/lbd.conf|g" \
	    etc/lbd.service > $(DESTDIR)$(UNITDIR)/lbd.service
	install -m 644 etc/lbd.sysusers $(DESTDIR)$(SYSUSERSDIR)/lbd.conf
	@if [ -e $(CONF) ]; then echo "kept $(CONF)"; \
	    else echo "install -m 644 etc/lbd.conf $(CONF)"; \
	    install -m 644 etc/lbd.conf $(CONF); fi

# lbd.conf goes only when it is still the example install put there.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(PREFIX)/share/lbd 2>/dev/null
	@if cmp -s etc/lbd.conf $(CONF); then echo "rm -f $(CONF)"; \
	    rm -f $(CONF); elif [ -e $(CONF) ]; then \
	    echo "kept $(CONF): changed since install"; fi

clean:
	rm -rf build

.PHONY: all deps check fuzz demo bench install uninstall clean

-include $(shell find build -name '*.d' 2>/dev/null)
