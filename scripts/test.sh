#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs the Debian packages the tests need
# when they are missing (needs root), the npm dependencies, then lints (Biome), type-checks, builds and runs jest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real servers and oracles the integration tests start: Prosody (XMPP, with lua-unbound), dnsmasq (DNS, SRV records),
# openssl (certificates, s_server), sslscan (the oracle for the TLS prober), a JDK (JSSE still
# speaks SSLv3, RC4, DES and EXPORT suites), prometheus + promtool (the end-to-end dashboard test,
# /metrics and alert-rule checks), amtool (package prometheus-alertmanager: the compose setup),
# and the other TLS stacks below.
need=()
# npm ci compiles better-sqlite3 (the results database) when no prebuilt binary can be downloaded.
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v prosody >/dev/null 2>&1 || need+=(prosody)
# Prosody only recommends lua-unbound, and without it ignores its `unbound` settings: the end-to-end
# test's s2s to legacy.test then cannot resolve the test's dnsmasq names.
dpkg -s lua-unbound >/dev/null 2>&1 || need+=(lua-unbound)
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
# The DNSSEC lab (DANE tests): NSD serves zones signed with ldns-signzone, Unbound validates them.
[ -x /usr/sbin/nsd ] || need+=(nsd)
command -v ldns-signzone >/dev/null 2>&1 || need+=(ldnsutils)
[ -x /usr/sbin/unbound ] || need+=(unbound)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v sslscan >/dev/null 2>&1 || need+=(sslscan)
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
# TLS stacks other than OpenSSL for the prober's ground-truth tests: GnuTLS, mbedTLS (through
# lighttpd), Go's crypto/tls (built at test time), Erlang/OTP's ssl.
command -v gnutls-serv >/dev/null 2>&1 || need+=(gnutls-bin)
[ -x /usr/sbin/lighttpd ] || need+=(lighttpd)
[ -e /usr/lib/lighttpd/mod_mbedtls.so ] || need+=(lighttpd-mod-mbedtls)
command -v go >/dev/null 2>&1 || need+=(golang-go)
command -v escript >/dev/null 2>&1 || need+=(erlang-base)
for pkg in erlang-ssl erlang-crypto erlang-public-key; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
# The handshake simulation's oracle runs the real clients of the captured profiles: NSS's tstclnt, and Debian's own
# Python (/usr/bin/python3, whose ssl module is the python profile; another python3 on PATH does not count).
command -v tstclnt >/dev/null 2>&1 || need+=(libnss3-tools)
[ -x /usr/bin/python3 ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent lint
npm run --silent typecheck
npm run --silent build
npm test -- "$@"
