import { describe, expect, test } from '@jest/globals';
import { sha256PasswordHash } from '../../../src/http/auth.js';
import type { SurveyReport } from '../../../src/report/types.js';
import { basic, certificate, endpoint, entry, fetchText, scanResult, serverOptions, withServer, domainGrade } from '../http/fixtures.js';
import { parseXml } from '../../unit/report/xml.js';

// /report and /report.json on the HTTP server alone (hand-built stored results): the content
// types, the status page's security headers, basic auth like every other route, HEAD, and the
// escaping of a hostile certificate subject.

const HOSTILE = '<img src=x onerror=alert(1)>';

function entries() {
  const ok = scanResult({
    domain: 'good.example',
    endpoints: [endpoint({ certificate: certificate({ notAfter: new Date(Date.now() + 50 * 86_400_000) }) })],
    grade: domainGrade('A+'),
  });
  const evil = scanResult({
    domain: 'evil.example',
    endpoints: [
      endpoint({
        certificate: {
          ...certificate({ notAfter: new Date(Date.now() + 5 * 86_400_000), subject: `CN=${HOSTILE}` }),
          trusted: false,
          trustErrors: ['self_signed'],
        },
      }),
    ],
    grade: domainGrade('T', 'A'),
  });
  const down = scanResult({
    domain: 'down.example',
    endpoints: [endpoint({ status: 'error', error: { code: 'timeout', message: 'timeout', phase: 'connect' } })],
  });
  // The latest scan failed, the last good one did not: the report describes the latest.
  return [entry(ok, ok), entry(evil, evil), entry(down, ok)];
}

describe('/report and /report.json', () => {
  test('HTML with the security headers; JSON report; latest scans', async () => {
    await withServer(serverOptions({ store: entries }), async (server) => {
      const html = await fetchText(server, '/report');
      expect(html.status).toBe(200);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(String(html.headers['content-security-policy'])).toContain("default-src 'none'");
      expect(parseXml(html.body).errors).toEqual([]);
      expect(html.body).not.toContain(HOSTILE);
      const json = await fetchText(server, '/report.json');
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      const report = JSON.parse(json.body) as SurveyReport;
      expect(report.modes[0]!.reachability).toMatchObject({ tested: 3, unreachable: 1, withTls: 2 });
      expect(report.modes[0]!.certificates.problems.self_signed).toBe(1);
      expect(report.domains.map((d) => d.domain)).toEqual(['down.example', 'evil.example', 'good.example']);
      expect((await fetchText(server, '/report', { method: 'HEAD' })).body).toBe('');
      expect((await fetchText(server, '/report.json', { method: 'POST' })).status).toBe(405);
    });
  });

  test('names the configured grading profile even when no result has a grade yet', async () => {
    await withServer(serverOptions({ store: () => [], profile: () => 'xmppoke-2015' }), async (server) => {
      const report = JSON.parse((await fetchText(server, '/report.json')).body) as SurveyReport;
      expect(report.profile).toBe('xmppoke-2015');
      expect((await fetchText(server, '/report')).body).toContain('grading profile xmppoke-2015');
    });
  });

  test('behind basic auth like the other routes', async () => {
    await withServer(serverOptions({ store: entries, web: { basicAuthUsers: { u: sha256PasswordHash('p') } } }), async (server) => {
      expect((await fetchText(server, '/report')).status).toBe(401);
      expect((await fetchText(server, '/report.json')).status).toBe(401);
      expect((await fetchText(server, '/report.json', { headers: { authorization: basic('u', 'p') } })).status).toBe(200);
    });
  });
});
