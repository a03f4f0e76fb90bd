#!/usr/bin/env bash
# Installs the Debian packages voice-otp needs, only when something is missing.
# Idempotent: a second run with everything present does nothing and prints nothing.
set -euo pipefail

# command-or-pkg-config check  => Debian package
declare -A need=(
  [sipp]=sip-tester
  [espeak-ng]=espeak-ng
  # en-GB's shipped spelling set is flite's awb voice (scripts/gen-audio.sh).
  [flite]=flite
  [sox]=sox
  [pkg-config]=pkg-config
  [cc]=gcc
  [bc]=bc
  [kamailio]=kamailio
  [baresip]=baresip-core
  [openssl]=openssl
  [tcpdump]=tcpdump
  # The HTTP load balancer of deploy/cluster (and its test).
  [haproxy]=haproxy
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists opus || missing+=(libopus-dev)
  pkg-config --exists spandsp || missing+=(libspandsp-dev)
else
  missing+=(libopus-dev libspandsp-dev)
fi
[ -d /usr/share/sip-tester ] || missing+=(sip-tester)
# `make intelligibility`'s virtual environment.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
# Human spelling sets (imported by scripts/import-voices.sh; CC-BY-SA 3.0, see NOTICE).
declare -A sounds=(
  [en]=en_US_f_Allison
  [es]=es_MX_f_Allison
  [fr]=fr_CA_f_June
  [it]=it_IT_m_Carlo
  [ru]=ru_RU_f_IvrvoiceRU
)
for lang in "${!sounds[@]}"; do
  [ -d "/usr/share/asterisk/sounds/${sounds[$lang]}/digits" ] ||
    missing+=("asterisk-core-sounds-$lang-wav")
done
# PostgreSQL for the cluster-mode tests (a throwaway cluster per test run; Debian keeps
# initdb and postgres under /usr/lib/postgresql/<major>/bin, off the PATH).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# Kamailio's TLS listener for the SIP-over-TLS interop tests is a separate package.
compgen -G '/usr/lib/*/kamailio/modules/tls.so' >/dev/null || missing+=(kamailio-tls-modules)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# De-duplicate.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "install-deps: installing missing Debian packages: ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "install-deps: need root or password-less sudo to install: ${missing[*]}" >&2
  echo "install-deps: run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
