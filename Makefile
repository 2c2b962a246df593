# supplywatch — see README.md.  Targets: all check demo bench fuzz install uninstall clean
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
DOCDIR     ?= $(PREFIX)/share/doc/supplywatch
LOCALEDIR  ?= $(PREFIX)/share/locale
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DESTDIR    ?=

CC       ?= cc
PKGS     := libpq libconfig libmicrohttpd jansson libsodium libsystemd libxml-2.0 zlib libcurl
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wconversion \
            -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
CPPFLAGS += -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' -DLOCALEDIR='"$(LOCALEDIR)"'
CFLAGS   += -std=c17 $(OPT) $(WARN) -pthread -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS  += -pthread -Wl,-z,relro,-z,now

ifeq ($(SANITIZE),1)
BUILD    ?= build/sanitize
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS   := $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS))
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    ?= build
endif
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS   := $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS))
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm

# Modules by layer (daemon/<layer>/<module>.c; docs/architecture.md).  Those
# shared by the daemon, the CLI and the unit tests, then the daemon's own.
COMMON  := util/strbuf util/log util/escape util/valid util/fmt util/token util/clock util/i18n \
           core/org core/review core/stage core/movement core/config core/report core/rules core/eval core/timeline core/changed core/csvin core/csvsum \
           core/xmltree core/openrosa core/xform core/merkle core/note core/ledger core/metrics core/ratelimit core/authcache core/inflight core/iplimit core/connwatch core/webhook \
           store/db store/migrate store/ingest store/review store/csv_import store/webhooks store/ledger
DAEMON  := main core/forms render/labels render/render_json render/render_metrics render/render_html render/render_feed render/event_text \
           store/load store/events store/export store/group_commit publish/blob publish/snapshot publish/refresh \
           publish/webhook_client publish/webhook_deliver publish/sequencer \
           http/http http/http_auth http/http_conn http/http_cache http/http_reports \
           http/http_health http/http_openrosa http/http_status http/http_export http/http_review \
           http/http_ledger
CLI     := cli publish/webhook_client publish/ledger_verify
COMMON_OBJ := $(COMMON:%=$(BUILD)/%.o) $(BUILD)/migrations.o
DAEMON_OBJ := $(DAEMON:%=$(BUILD)/%.o) $(BUILD)/forms.o
UNIT    := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
# Programs the integration tests run against a real server (tests/unit/probe_*.c).
PROBES  := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/probe_*.c))
# Compilers write which headers each object includes; make reads it back.
DEPFLAGS = -MMD -MP -MF $(@:.o=.d)

all: $(BUILD)/supplywatchd $(BUILD)/supplywatch catalogues

$(BUILD)/.dir:
	@mkdir -p $(BUILD)/tests && touch $@

$(BUILD)/%.o: daemon/%.c | $(BUILD)/.dir
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -Idaemon -c $< -o $@

$(BUILD)/migrations.c: daemon/embed-sql.sh $(sort $(wildcard sql/*.sql)) | $(BUILD)/.dir
	sh daemon/embed-sql.sh $(sort $(wildcard sql/*.sql)) > $@.tmp && mv $@.tmp $@

$(BUILD)/migrations.o: $(BUILD)/migrations.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -Wno-overlength-strings $(PKG_CFLAGS) -Idaemon -c $< -o $@

# The shipped XForms, compiled in (daemon/embed-forms.sh).
$(BUILD)/forms.c: daemon/embed-forms.sh $(sort $(wildcard etc/forms/*.xml)) | $(BUILD)/.dir
	sh daemon/embed-forms.sh $(sort $(wildcard etc/forms/*.xml)) > $@.tmp && mv $@.tmp $@

$(BUILD)/forms.o: $(BUILD)/forms.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -Wno-overlength-strings $(PKG_CFLAGS) -Idaemon -c $< -o $@

$(BUILD)/supplywatchd: $(COMMON_OBJ) $(DAEMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/supplywatch: $(COMMON_OBJ) $(CLI:%=$(BUILD)/%.o)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(COMMON_OBJ) | $(BUILD)/.dir
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -MF $(@D)/.$(@F).d -Wno-missing-prototypes $(PKG_CFLAGS) -Idaemon $< $(COMMON_OBJ) \
		-o $@ $(LDFLAGS) $(PKG_LIBS) $(shell pkg-config --libs cmocka 2>/dev/null)

unit-tests: $(UNIT:%=$(BUILD)/tests/%) $(PROBES:%=$(BUILD)/tests/%)

-include $(wildcard $(BUILD)/*.d $(BUILD)/*/*.d $(BUILD)/tests/.*.d)

# ---- translations (docs/translating.md) ----
# Every po/LANG.po is a language; msgfmt compiles it into the build's
# locale/, where an uninstalled supplywatchd finds it (util/i18n.c), and
# make install copies it to $(LOCALEDIR).
LANGS    := $(patsubst po/%.po,%,$(wildcard po/*.po))
MO       := $(LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/supplywatch.mo)
# What xgettext reads: the C sources that say something to a reader, and the XForms.
I18N_SRC := $(sort $(wildcard daemon/*/*.c)) $(sort $(wildcard etc/forms/*.xml))
XGETTEXT_C := --language=C --from-code=UTF-8 --add-comments=TRANSLATORS --no-wrap \
	--keyword= --keyword=tr:2 --keyword=trp:2c,3 --keyword=trn:2,3 --keyword=N_ --keyword=NP_:1c,2 \
	--package-name=supplywatch --msgid-bugs-address=https://github.com/supplywatch/supplywatch/issues

catalogues: $(MO)

$(BUILD)/locale/%/LC_MESSAGES/supplywatch.mo: po/%.po | $(BUILD)/.dir
	@mkdir -p $(@D)
	msgfmt --check -o $@.tmp $< && mv $@.tmp $@

# The template, from the sources as they are (make update-po writes it to po/).
$(BUILD)/supplywatch.pot: $(I18N_SRC) po/xforms.its | $(BUILD)/.dir
	xgettext $(XGETTEXT_C) -o $@.c.pot $(filter daemon/%,$(I18N_SRC))
	xgettext --its=po/xforms.its --from-code=UTF-8 --no-wrap -o $@.xml.pot $(filter etc/%,$(I18N_SRC))
	msgcat --use-first --no-wrap -o $@.tmp $@.c.pot $@.xml.pot
	sed -i -e 's/^"Content-Type: text\/plain; charset=CHARSET/"Content-Type: text\/plain; charset=UTF-8/' $@.tmp
	mv $@.tmp $@ && rm -f $@.c.pot $@.xml.pot

# Refreshes po/supplywatch.pot and merges it into every po/LANG.po.
update-po: $(BUILD)/supplywatch.pot
	sed -e '/^"POT-Creation-Date:/d' $< > po/supplywatch.pot
	for l in $(LANGS); do msgmerge --quiet --update --backup=none --no-wrap po/$$l.po po/supplywatch.pot || exit 1; done

# Fails when a catalogue misses a message of the sources, has a fuzzy one or
# one msgfmt --check refuses (make check runs it).
check-po: $(BUILD)/supplywatch.pot
	@sh po/check.sh $(BUILD) $(LANGS)

# libFuzzer targets (clang): make fuzz [FUZZ_SECONDS=60].  Each runs from its
# seed corpus in tests/fuzz/corpus/NAME (read only; new inputs go to build/).
FUZZ_TARGETS := report csv openrosa configfile router mo note
FUZZ_SECONDS ?= 60
FUZZ_OBJ = $(COMMON_OBJ) $(filter-out $(BUILD)/main.o,$(DAEMON_OBJ))

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_config.h $(FUZZ_OBJ) | $(BUILD)/.dir
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -Wno-missing-prototypes $(PKG_CFLAGS) -Idaemon $< \
		$(FUZZ_OBJ) -o $@ $(LDFLAGS) -fsanitize=fuzzer $(PKG_LIBS)

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)

fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang FUZZ=1 fuzz-build >/dev/null
	@sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

deps:
	@sh tests/install-deps.sh

# FUZZ_SECONDS for make check: the crash regressions and a short run each.
CHECK_FUZZ_SECONDS ?= 5

# The daemon under ThreadSanitizer, for the test that proves its threads share
# nothing unguarded (tests/integration/t84-threads.sh).
tsan:
	@$(MAKE) --no-print-directory SANITIZE= FUZZ= BUILD=$(BUILD)/tsan OPT="-O1 -g -fsanitize=thread" \
		LDFLAGS="-pthread -fsanitize=thread" $(BUILD)/tsan/supplywatchd

check: deps
	@python3 tests/layout/check_layout.py --self-test
	@python3 tests/layout/check_layout.py
	@$(MAKE) --no-print-directory check-po
	@$(MAKE) --no-print-directory all unit-tests tsan
	@bash tests/run.sh $(BUILD)
ifneq ($(SANITIZE),1)
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)
	@echo "== make bench QUICK=1 (keeps the benchmark working; its figures mean nothing)"
	@QUICK=1 bash tests/bench/bench.sh $(BUILD) >$(BUILD)/bench-quick.log 2>&1 || \
		{ tail -n 40 $(BUILD)/bench-quick.log; echo "make bench QUICK=1 failed"; exit 1; }
	@echo "bench: QUICK run completed (table in $(BUILD)/bench-results.md)"
endif

demo: deps
	@$(MAKE) --no-print-directory all
	@bash etc/demo/demo.sh

# make bench [QUICK=1]: figures against ceilings measured in the same run
# (tests/bench/bench.sh, docs/performance.md); QUICK=1 is a one-minute smoke run.
bench:
	@BENCH=1 sh tests/install-deps.sh
	@$(MAKE) --no-print-directory all
	@QUICK=$(QUICK) bash tests/bench/bench.sh $(BUILD)

# Installed paths are rewritten to the chosen directories in every systemd file.
SYSTEMD_SED = sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/etc/supplywatch|$(SYSCONFDIR)/supplywatch|g' \
	-e 's|/usr/local/share/doc/supplywatch|$(DOCDIR)|g'

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(SYSCONFDIR)/supplywatch $(DESTDIR)$(DOCDIR)/prometheus
	install -m 755 $(BUILD)/supplywatchd $(DESTDIR)$(SBINDIR)/supplywatchd
	install -m 755 $(BUILD)/supplywatch $(DESTDIR)$(BINDIR)/supplywatch
	for f in supplywatchd.service supplywatchd.socket; do \
		$(SYSTEMD_SED) systemd/$$f > $(DESTDIR)$(UNITDIR)/$$f && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$$f || exit 1; \
	done
	install -m 644 systemd/supplywatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/supplywatch.conf
	$(SYSTEMD_SED) systemd/supplywatch.tmpfiles > $(DESTDIR)$(TMPFILESDIR)/supplywatch.conf
	chmod 644 $(DESTDIR)$(TMPFILESDIR)/supplywatch.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/supplywatch/supplywatch.conf || \
		install -m 644 etc/supplywatch.conf $(DESTDIR)$(SYSCONFDIR)/supplywatch/supplywatch.conf
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	if [ -d docs ]; then install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/; fi
	install -m 644 etc/prometheus/*.yml $(DESTDIR)$(DOCDIR)/prometheus/
	install -d $(DESTDIR)$(DOCDIR)/forms
	install -m 644 etc/forms/*.xml $(DESTDIR)$(DOCDIR)/forms/
	for l in $(LANGS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/supplywatch.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/ || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/supplywatchd $(DESTDIR)$(BINDIR)/supplywatch \
		$(DESTDIR)$(UNITDIR)/supplywatchd.service $(DESTDIR)$(UNITDIR)/supplywatchd.socket \
		$(DESTDIR)$(SYSUSERSDIR)/supplywatch.conf $(DESTDIR)$(TMPFILESDIR)/supplywatch.conf
	rm -rf $(DESTDIR)$(DOCDIR)
	for l in $(LANGS); do rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/supplywatch.mo; done
	@echo "left $(DESTDIR)$(SYSCONFDIR)/supplywatch in place (configuration and pepper)"
	@echo "left the system user supplywatch in place (userdel supplywatch removes it)"

clean:
	rm -rf build

.PHONY: all bench check check-po catalogues demo deps install uninstall clean unit-tests fuzz fuzz-build tsan update-po
