# liboauthcc: build, install, test and demo.
#   make            build liboauthcc.so and liboauthcc.a (release)
#   make demo       build, start a local token server, get a token from C and from Python
#   make test       every test (Rust, header, symbols, C under valgrind, Python, examples)
#   make bench      cache read benchmarks, written to bench/RESULTS.md
#   make install    PREFIX=/usr/local (DESTDIR supported)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
RELEASE := target/release

all: build

build:
	cargo build --release --lib

install: build
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(RELEASE)/liboauthcc.so $(DESTDIR)$(LIBDIR)/liboauthcc.so.$(VERSION)
	ln -sf liboauthcc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/liboauthcc.so.$(MAJOR)
	ln -sf liboauthcc.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/liboauthcc.so
	install -m 644 $(RELEASE)/liboauthcc.a $(DESTDIR)$(LIBDIR)/liboauthcc.a
	install -m 644 include/oauthcc.h $(DESTDIR)$(INCLUDEDIR)/oauthcc.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' oauthcc.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/oauthcc.pc

demo: build
	bash tests/scripts/demo.sh

test: build
	bash tests/scripts/test_all.sh

bench: build
	bash bench/run.sh

clean:
	cargo clean
	rm -rf build bindings/c/build bindings/python/build

.PHONY: all build install demo test bench clean
