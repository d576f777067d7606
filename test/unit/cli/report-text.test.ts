import { describe, expect, test } from '@jest/globals';
import { formatScanReport, formatSummary } from '../../../src/cli/report-text.js';
import type { ScanResult } from '../../../src/result/types.js';
import { exampleOrg, nxdomainExample } from '../metrics/fixtures.js';

// The text of `scan`: the long detail, then one summary line; warnings, deadlines and partial
// findings said in words.

describe('scan text output', () => {
  const result = exampleOrg().latest;

  test('ends with one summary line: grade per endpoint, worst problem, days to expiry', () => {
    const lines = formatScanReport(result).trimEnd().split('\n');
    // Days to expiry as the scan counted them (the fixture says 200).
    expect(lines.at(-1)).toBe(
      'Summary: example.org (c2s): grade B (192.0.2.1:5222 B, [2001:db8::1]:5222 skipped); worst: TLS 1.1 is supported; certificate expires in 200 days',
    );
    expect(formatSummary(result)).toBe(lines.at(-1));
  });

  test('a domain-level failure: the summary says so', () => {
    expect(formatSummary(nxdomainExample().latest)).toBe('Summary: nxdomain.example (s2s): no endpoints (dns_failure)');
  });

  test('domain warnings come right after the header and the software', () => {
    const lines = formatScanReport(result).split('\n');
    expect(lines[2]).toBe('  warning dns_partial_failure: DNS lookup of SRV _xmpps-client._tcp.example.org failed: ETIMEOUT');
  });

  test('a deadline: the error names it, the findings are marked partial', () => {
    const r = structuredClone(result) as ScanResult;
    const ep = r.endpoints[0]!;
    ep.status = 'error';
    ep.error = { code: 'timeout', message: "the endpoint's budget of 120 s ran out", phase: 'tls_handshake', deadline: 'endpoint' };
    ep.tls = { ...ep.tls!, partial: true };
    const text = formatScanReport(r);
    expect(text).toContain("  error timeout (tls_handshake, endpoint deadline): the endpoint's budget of 120 s ran out");
    expect(text).toContain('  partial a deadline stopped the probes: the lists above may be incomplete');
  });

  test('the chain: how many were sent, then the built path with where each came from', () => {
    const r = structuredClone(result) as ScanResult;
    const cert = r.endpoints[0]!.certificate!;
    const leaf = { ...cert.chain[0]!, source: 'presented' as const };
    cert.chain = [leaf];
    cert.builtChain = [leaf, { ...leaf, subject: 'CN=Test Root', source: 'ca_file' }];
    const text = formatScanReport(r);
    expect(text).toContain('  Chain               1 certificate(s) sent; the path built from them:');
    expect(text).toMatch(/ {4}1: CN=Test Root \[trust anchor, CA file, /);
  });

  test('each trust error in words under the verdict, blocking ones marked ✗, findings !', () => {
    const r = structuredClone(result) as ScanResult;
    const cert = r.endpoints[0]!.certificate!;
    cert.trusted = false;
    cert.trustErrors = ['not_a_ca', 'weak_key'];
    cert.trustErrorDetails = [
      { reason: 'not_a_ca', message: "the intermediate 'innocent.test' is not a CA certificate (basicConstraints cA=false) but issued 'forged.test'" },
      { reason: 'weak_key', message: "the server certificate 'forged.test' has a 1024-bit RSA key" },
    ];
    const lines = formatScanReport(r).split('\n');
    const at = lines.findIndex((l) => l.startsWith('  Certificate '));
    expect(lines[at]).toBe('  Certificate         NOT trusted (not_a_ca, weak_key)');
    expect(lines[at + 1]).toBe("    ✗ the intermediate 'innocent.test' is not a CA certificate (basicConstraints cA=false) but issued 'forged.test'");
    expect(lines[at + 2]).toBe("    ! the server certificate 'forged.test' has a 1024-bit RSA key");
    expect(lines[at + 3]).toMatch(/^ {2}Identity /);
  });

  test.each([
    // mode, extendedKeyUsage, clientAuth, the Usage line
    ['c2s', ['serverAuth'], false, '  Usage               serverAuth'],
    [
      's2s',
      ['serverAuth'],
      false,
      '  Usage               serverAuth; not for TLS clients: peers that check the client certificate of outgoing s2s connections refuse it',
    ],
    ['s2s', ['serverAuth', 'clientAuth'], true, '  Usage               serverAuth, clientAuth'],
    ['s2s', null, true, '  Usage               any (no extendedKeyUsage)'],
  ] as const)('%s, extendedKeyUsage %j: %s', (mode, eku, clientAuth, line) => {
    const r = structuredClone(result) as ScanResult;
    r.mode = mode;
    const cert = r.endpoints[0]!.certificate!;
    cert.extendedKeyUsage = eku === null ? null : [...eku];
    cert.clientAuth = clientAuth;
    expect(formatScanReport(r).split('\n')).toContain(line);
  });

  test('a result written before usage was recorded: no Usage line', () => {
    const r = structuredClone(result) as ScanResult;
    delete r.endpoints[0]!.certificate!.extendedKeyUsage;
    expect(formatScanReport(r)).not.toContain('  Usage ');
  });
});
