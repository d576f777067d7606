import { gradeDomain, gradeEndpoint } from '../../../src/grading/grade.js';
import type { EndpointResult, Mode, ProtocolName, ScanResult } from '../../../src/result/types.js';
import { makeEndpoint } from '../grading/fixtures.js';

// Scan result documents for the results database's tests (unit, CLI, HTTP): one STARTTLS
// endpoint of example.org c2s, graded as the scanner grades it, varied by what changes.

export interface ScanSpec {
  at: string;
  domain?: string;
  mode?: Mode;
  protocols?: ProtocolName[];
  fingerprint?: string;
  notAfter?: string;
  /** Every endpoint refused the connection. */
  fail?: boolean;
  /** The XEP-0092 answer: a Prosody version, another server, or a failed query. */
  software?: string | { name: string; version: string } | 'error';
}

export function scanResult(o: ScanSpec): ScanResult {
  const endpoints: EndpointResult[] = o.fail
    ? [{ ...makeEndpoint({ status: 'error', error: { code: 'connection_refused', message: 'refused' } }), certificate: null, tls: null, xmpp: null }]
    : [
        makeEndpoint({
          protocols: o.protocols ?? ['TLSv1.2', 'TLSv1.3'],
          cert: { fingerprintSha256: o.fingerprint ?? 'AA:BB:CC:DD:EE:FF:00:11', notAfter: o.notAfter ?? '2027-06-01T00:00:00.000Z' },
        }),
      ];
  for (const ep of endpoints) ep.grade = gradeEndpoint(ep);
  return {
    schemaVersion: 1,
    domain: o.domain ?? 'example.org',
    mode: o.mode ?? 'c2s',
    startedAt: o.at,
    durationSeconds: 2.5,
    error: null,
    endpoints,
    grade: gradeDomain(endpoints.map((e) => e.grade)),
    scanner: { name: 'xmpp-tls-exporter', version: 'test' },
    software: softwareOf(o),
  };
}

function softwareOf(o: ScanSpec): ScanResult['software'] {
  if (o.software === undefined) return null;
  if (o.software === 'error') return { name: null, version: null, os: null, queriedAt: o.at, error: { code: 'timeout', message: 'no answer' } };
  const { name, version } = typeof o.software === 'string' ? { name: 'Prosody', version: o.software } : o.software;
  return { name, version, os: null, queriedAt: o.at };
}
