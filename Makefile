# voice-otp: the two commands a newcomer runs are `make demo` and `make test`.
# Every target first runs `deps`, which installs missing Debian packages (idempotent).

CARGO ?= cargo
BIN   := target/debug/voice-otp
DEMO_OUT ?= data/demo-heard.wav

.PHONY: all deps build test lint bench bench-spandsp demo serve clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(CARGO) build --workspace --bins

lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@# The fuzz targets live outside the workspace: check they still compile, with the
	@# workspace's locked versions so the shared target dir is reused.
	cp Cargo.lock fuzz/Cargo.lock
	CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO) check --manifest-path fuzz/Cargo.toml --bins

# The whole gate, as CI runs it: format, lints, every test (unit, SIPp interop, end-to-end),
# the benches compiled and run once in test mode, and the doc tests.
test: lint build
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

bench: deps
	$(CARGO) bench --workspace

# Side by side on this machine: spandsp's dtmf_rx and ours on the same speech frames.
bench-spandsp: deps
	sh scripts/spandsp-bench/run.sh
	$(CARGO) run --release -p voice-otp-dtmf --example frame_timing 3

# One real OTP call over loopback SIP/RTP to the built-in phone, which presses 1 to hear the
# code again; prints the finished event and saves what the phone heard.
demo: build
	$(BIN) demo --code 7A3519 --lang en-GB --press 1 --out $(DEMO_OUT)

serve: build
	$(BIN) serve $(if $(CONFIG),--config $(CONFIG),)

clean:
	$(CARGO) clean
