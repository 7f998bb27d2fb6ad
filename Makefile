# pgmapcheck top-level build.  `make help` lists the targets.
PREFIX  ?= /usr/local
DESTDIR ?=
export PGMAPCHECK_CACHE ?= $(HOME)/.cache/pgmapcheck

.PHONY: all deps libinspect crash-ext vmcores run test bench fuzz install deb clean help

all: libinspect crash-ext

deps:
	tests/install-deps

libinspect:
	$(MAKE) -C libinspect

crash-ext: libinspect
	$(MAKE) -C crash-ext

vmcores:
	$(MAKE) -C vmcores

# README command 1: build, generate the corpus, check the default dump.
run: deps all vmcores
	tests/run-default

# README command 2: every test.  The corpus is generated while the
# self-built kernels compile beside it (tests/with-kernel-build).
test: deps all
	tests/with-kernel-build $(MAKE) vmcores
	tests/run

bench: all vmcores
	tests/bench

# libFuzzer harness (tests/fuzz/): each target for FUZZ_TIME seconds, going
# on after crashes; corpora and crash inputs in $PGMAPCHECK_CACHE/fuzz/.
FUZZ_TIME ?= 300
fuzz: deps
	tests/fuzz/run -k -t $(FUZZ_TIME) fuzz_open fuzz_core

install: all
	$(MAKE) -C libinspect install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C crash-ext install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# Debian packages (README "Install"): dpkg-buildpackage on a copy of the
# tree, then lintian; the .debs go to $(DEBDIR).
DEBDIR  ?= build/deb
deb:
	debian/build-debs $(DEBDIR)

clean:
	$(MAKE) -C libinspect clean
	$(MAKE) -C crash-ext clean
	-$(MAKE) -C vmcores clean

help:
	@echo "make run      build, generate the test corpus if needed, check the default dump"
	@echo "make test     build, generate the corpus if needed, run every test"
	@echo "make bench    compare the CLI, crash extension and a drgn per-page loop"
	@echo "make fuzz     libFuzzer: fuzz_open and fuzz_core, FUZZ_TIME=$(FUZZ_TIME) seconds each"
	@echo "make install  PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "make deb      Debian packages into DEBDIR=$(DEBDIR), lintian-checked"
	@echo "make vmcores  (re)generate the dump corpus into \$$PGMAPCHECK_CACHE=$(PGMAPCHECK_CACHE)"
