import { formatScore, renderDomainGrade, renderGrade, renderScoreBars, scoreBar } from '../../../src/grading/bars.js';
import { gradeDomain, gradeEndpoint } from '../../../src/grading/grade.js';
import type { EndpointGrade } from '../../../src/grading/types.js';
import { makeEndpoint } from './fixtures.js';

describe('scoreBar', () => {
  it.each<[number, string, string]>([
    [0, '░░░░░░░░░░', '..........'],
    [5, '▌░░░░░░░░░', '..........'],
    [12.5, '█▎░░░░░░░░', '#.........'],
    [50, '█████░░░░░', '#####.....'],
    [92.5, '█████████▎', '#########.'],
    [95, '█████████▌', '#########.'],
    [100, '██████████', '##########'],
    [150, '██████████', '##########'],
    [-3, '░░░░░░░░░░', '..........'],
  ])('%d → %s / %s', (score, unicode, ascii) => {
    expect(scoreBar(score)).toBe(unicode);
    expect(scoreBar(score, { ascii: true })).toBe(ascii);
  });

  it('has the requested width', () => {
    expect(scoreBar(50, { width: 20 })).toBe('██████████░░░░░░░░░░');
  });
});

describe('formatScore', () => {
  it.each([
    [100, '100'],
    [92.5, '92.5'],
    [92.25, '92.25'],
    [0, '0'],
  ])('%d → %s', (score, text) => {
    expect(formatScore(score)).toBe(text);
  });
});

describe('renderScoreBars', () => {
  it('aligns labels, bars and numbers', () => {
    expect(renderScoreBars({ protocolScore: 100, keyExchangeScore: 90, cipherScore: 80 })).toEqual([
      'Protocol      ██████████ 100',
      'Key exchange  █████████░  90',
      'Cipher        ████████░░  80',
    ]);
    expect(renderScoreBars({ protocolScore: 97.5, keyExchangeScore: 40, cipherScore: 60 }, { ascii: true })).toEqual([
      'Protocol      #########. 97.5',
      'Key exchange  ####......   40',
      'Cipher        ######....   60',
    ]);
  });
});

describe('renderGrade and renderDomainGrade', () => {
  const grade = (ep: Parameters<typeof makeEndpoint>[0]) => gradeEndpoint(makeEndpoint(ep)) as EndpointGrade;

  it('an A+ has the letter line and the bars only', () => {
    expect(renderGrade(grade({}))).toEqual([
      'Grade A+, score 93 (ssllabs-2009r)',
      'Protocol      ██████████ 100',
      'Key exchange  █████████░  90',
      'Cipher        █████████░  90',
    ]);
  });

  it('shows the trust-ignored letter and one line per cap and warning', () => {
    const g = grade({ cert: { trusted: false, trustErrors: ['self_signed'] }, protocols: ['TLSv1.1', 'TLSv1.2'], starttls: 'offered' });
    expect(renderGrade(g)).toEqual([
      'Grade T (B if trust issues are ignored), score 92.25 (ssllabs-2009r)',
      'Protocol      █████████▊ 97.5',
      'Key exchange  █████████░   90',
      'Cipher        █████████░   90',
      'cap T  certificate_not_trusted: The certificate is not trusted (self-signed): the grade is T',
      'cap B  tls10_or_tls11_supported: TLS 1.1 is supported: the grade is capped at B',
      'warning no_tls13: TLS 1.3 is not supported',
      'warning encryption_not_required: STARTTLS is offered but not required: the stream can go on unencrypted',
    ]);
  });

  it('the domain line says when endpoints disagree and how many were not graded', () => {
    const t = grade({ cert: { trusted: false, trustErrors: ['self_signed'] }, protocols: ['TLSv1.1', 'TLSv1.2'] });
    expect(renderDomainGrade(gradeDomain([t, grade({}), null])!)).toBe(
      'Domain grade T (B if trust issues are ignored; endpoints disagree: A+, T), score 92.25 (ssllabs-2009r), 1 endpoint not graded',
    );
    expect(renderDomainGrade(gradeDomain([grade({}), grade({})])!)).toBe('Domain grade A+, score 93 (ssllabs-2009r)');
  });
});
