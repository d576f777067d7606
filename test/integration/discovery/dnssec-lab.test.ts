// The DNSSEC lab itself (real NSD + validating Unbound): what DANE's tests will rely on it for.
import type { RrsigAnswer, SrvAnswer, TlsaAnswer } from 'dns-packet';
import { type DnssecLab, extendedErrors, queryDns, rcodeOf, startDnssecLab } from '../../harness/dnssec.js';

const HASH_A = 'a1'.repeat(32);
const HASH_B = 'b2'.repeat(32);

const records = (hash: string): string[] => ['_xmpp-client._tcp IN SRV 0 0 5222 xmpp', 'xmpp IN A 127.0.0.1', `_5222._tcp.xmpp IN TLSA 3 1 1 ${hash}`];

let lab: DnssecLab;
beforeAll(async () => {
  lab = await startDnssecLab([
    { name: 'secure.test', signing: 'secure', records: records(HASH_A) },
    { name: 'unsigned.test', signing: 'unsigned', records: records(HASH_A) },
    { name: 'expired.test', signing: 'expired', records: records(HASH_A) },
    { name: 'rotating.test', signing: 'secure', records: records(HASH_A) },
  ]);
});
afterAll(async () => {
  await lab?.stop();
});

const tlsa = (answers: { type: string }[] | undefined): string[] =>
  (answers ?? [])
    .filter((r): r is TlsaAnswer => r.type === 'TLSA')
    .map((r) => `${r.data.usage} ${r.data.selector} ${r.data.matchingType} ${r.data.certificate.toString('hex')}`);
const rrsigs = (answers: { type: string }[] | undefined): RrsigAnswer[] => (answers ?? []).filter((r): r is RrsigAnswer => r.type === 'RRSIG');

describe('DNSSEC lab', () => {
  it('validates the secure zone: TLSA and SRV come back with AD and their RRSIGs', async () => {
    const answer = await queryDns(lab.resolver, '_5222._tcp.xmpp.secure.test', 'TLSA');
    expect(rcodeOf(answer)).toBe('NOERROR');
    expect(answer.flag_ad).toBe(true);
    expect(tlsa(answer.answers)).toEqual([`3 1 1 ${HASH_A}`]);
    expect(rrsigs(answer.answers).map((s) => [s.data.typeCovered, s.data.signersName])).toEqual([['TLSA', 'secure.test']]);

    const srv = await queryDns(lab.resolver, '_xmpp-client._tcp.secure.test', 'SRV');
    expect(srv.flag_ad).toBe(true);
    expect(srv.answers?.filter((r): r is SrvAnswer => r.type === 'SRV').map((r) => r.data)).toEqual([
      { priority: 0, weight: 0, port: 5222, target: 'xmpp.secure.test' },
    ]);
  });

  it('answers the unsigned zone as insecure: NOERROR, no AD, no RRSIG', async () => {
    const answer = await queryDns(lab.resolver, '_5222._tcp.xmpp.unsigned.test', 'TLSA');
    expect(rcodeOf(answer)).toBe('NOERROR');
    expect(answer.flag_ad).toBe(false);
    expect(tlsa(answer.answers)).toEqual([`3 1 1 ${HASH_A}`]);
    expect(rrsigs(answer.answers)).toEqual([]);
  });

  it('answers the expired zone as bogus: SERVFAIL with EDE 7 (Signature Expired), the data only with CD', async () => {
    const bogus = await queryDns(lab.resolver, '_5222._tcp.xmpp.expired.test', 'TLSA');
    expect(rcodeOf(bogus)).toBe('SERVFAIL');
    expect(bogus.answers).toEqual([]);
    expect(extendedErrors(bogus).map((e) => e.code)).toEqual([7]);

    const unchecked = await queryDns(lab.resolver, '_5222._tcp.xmpp.expired.test', 'TLSA', { checkingDisabled: true });
    expect(rcodeOf(unchecked)).toBe('NOERROR');
    expect(unchecked.flag_ad).toBe(false);
    expect(tlsa(unchecked.answers)).toEqual([`3 1 1 ${HASH_A}`]);
    const [signature] = rrsigs(unchecked.answers);
    expect(signature?.data.typeCovered).toBe('TLSA');
    expect(signature!.data.expiration * 1000).toBeLessThan(Date.now());
  });

  it('has a resolver that answers but never validates, and an authoritative server', async () => {
    const secure = await queryDns(lab.nonValidatingResolver, '_5222._tcp.xmpp.secure.test', 'TLSA');
    expect(rcodeOf(secure)).toBe('NOERROR');
    expect(secure.flag_ad).toBe(false);
    expect(tlsa(secure.answers)).toEqual([`3 1 1 ${HASH_A}`]);
    expect(rrsigs(secure.answers)).toHaveLength(1); // DO was set: the signatures are there, unchecked

    const expired = await queryDns(lab.nonValidatingResolver, '_5222._tcp.xmpp.expired.test', 'TLSA');
    expect(rcodeOf(expired)).toBe('NOERROR');
    expect(expired.flag_ad).toBe(false);

    const authoritative = await queryDns(lab.authoritative, '_5222._tcp.xmpp.secure.test', 'TLSA', { recursionDesired: false });
    expect([authoritative.flag_aa, authoritative.flag_ad]).toEqual([true, false]);
    expect(tlsa(authoritative.answers)).toEqual([`3 1 1 ${HASH_A}`]);
  });

  it('refuses names outside the lab at once instead of trying the internet', async () => {
    const answer = await queryDns(lab.resolver, 'example.com', 'A', { timeoutMs: 1000 });
    expect(rcodeOf(answer)).toBe('REFUSED');
  });

  it('serves the new TLSA after updateZone, still validated, though the old one was cached', async () => {
    const before = await queryDns(lab.resolver, '_5222._tcp.xmpp.rotating.test', 'TLSA');
    expect([before.flag_ad, tlsa(before.answers)]).toEqual([true, [`3 1 1 ${HASH_A}`]]);
    const unvalidatedBefore = await queryDns(lab.nonValidatingResolver, '_5222._tcp.xmpp.rotating.test', 'TLSA');
    expect(tlsa(unvalidatedBefore.answers)).toEqual([`3 1 1 ${HASH_A}`]);

    await lab.updateZone('rotating.test', records(HASH_B));

    const after = await queryDns(lab.resolver, '_5222._tcp.xmpp.rotating.test', 'TLSA');
    expect([rcodeOf(after), after.flag_ad, tlsa(after.answers)]).toEqual(['NOERROR', true, [`3 1 1 ${HASH_B}`]]);
    const unvalidatedAfter = await queryDns(lab.nonValidatingResolver, '_5222._tcp.xmpp.rotating.test', 'TLSA');
    expect(tlsa(unvalidatedAfter.answers)).toEqual([`3 1 1 ${HASH_B}`]);
    // The untouched zones keep their data.
    expect(tlsa((await queryDns(lab.resolver, '_5222._tcp.xmpp.secure.test', 'TLSA')).answers)).toEqual([`3 1 1 ${HASH_A}`]);
  });

  it('rejects updating a zone it does not serve', async () => {
    await expect(lab.updateZone('elsewhere.test', records(HASH_B))).rejects.toThrow('elsewhere.test is not a zone of this lab');
  });
});
