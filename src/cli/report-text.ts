import { TLSA_USAGE_NAMES } from '../certificate/index.js';
import { PROTOCOLS } from '../result/protocols.js';
import { renderDomainGrade, renderGrade, ungradedReason } from '../grading/index.js';
import type { GradeLetter } from '../grading/index.js';
import { inSuiteClass } from '../result/suite-classes.js';
import { isBlockingTrustError } from '../result/trust-errors.js';
import { isCurrentProfile, profileById } from '../tls/registry/profile-lookup.js';
import type {
  CertificateResult,
  ChainEntry,
  DaneResult,
  EndpointResult,
  Mode,
  ProtocolName,
  ScanErrorInfo,
  ScanResult,
  SimulationResult,
  SoftwareInfo,
  TlsResult,
} from '../result/types.js';

// The human-readable `scan` report. Plain text, one block per endpoint; colour only when asked
// (the caller decides from isTTY / NO_COLOR).

export interface TextStyle {
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const identity = (s: string) => s;
export const PLAIN: TextStyle = { ok: identity, bad: identity, warn: identity, bold: identity, dim: identity };
export const ANSI: TextStyle = {
  ok: (s) => `\x1b[32m${s}\x1b[0m`,
  bad: (s) => `\x1b[31m${s}\x1b[0m`,
  warn: (s) => `\x1b[33m${s}\x1b[0m`,
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
};

export function formatScanReport(r: ScanResult, style: TextStyle = PLAIN): string {
  const lines: string[] = [];
  lines.push(style.bold(`${r.domain} (${r.mode}) — scanned ${r.startedAt} in ${r.durationSeconds.toFixed(2)} s`));
  if (r.software) lines.push(`  Software            ${formatSoftware(r.software, style)}`);
  for (const w of r.warnings ?? []) lines.push(`  ${style.warn('warning')} ${w.code}: ${w.message}`);
  if (r.error) {
    lines.push(`  ${style.bad('error')} ${describeError(r.error)}`);
    return `${lines.join('\n')}\n`;
  }
  if (r.grade) lines.push(gradeStyle(r.grade.letter, style)(renderDomainGrade(r.grade)));
  if (r.endpoints.length === 0) lines.push('  no endpoints');
  for (const ep of r.endpoints) lines.push('', ...formatEndpoint(ep, r.mode, style));
  lines.push('', formatSummary(r, style));
  return `${lines.join('\n')}\n`;
}

/** `code (phase, deadline): message`. */
function describeError(e: ScanErrorInfo): string {
  const where = [e.phase, e.deadline ? `${e.deadline} deadline` : ''].filter(Boolean).join(', ');
  return `${e.code}${where ? ` (${where})` : ''}: ${e.message}`;
}

/**
 * One line after the long detail: the grade per endpoint, the worst problem (the top cap of the
 * worst endpoint, or its error) and the days to the soonest certificate expiry.
 */
export function formatSummary(r: ScanResult, style: TextStyle = PLAIN): string {
  const head = `Summary: ${r.domain} (${r.mode})`;
  if (r.error) return style.bold(`${head}: ${style.bad(`no endpoints (${r.error.code})`)}`);
  const grade = r.grade ? gradeStyle(r.grade.letter, style)(r.grade.letter) : style.warn('no grade');
  const perEndpoint = r.endpoints.map(
    (ep) => `${endpointName(ep)} ${ep.grade?.letter ?? (ep.status === 'skipped' ? 'skipped' : (ep.error?.code ?? 'no grade'))}`,
  );
  const graded = r.endpoints.filter((ep) => ep.grade);
  const worst = graded.find((ep) => ep.grade?.letter === r.grade?.letter);
  const topCap = worst?.grade?.caps[0]?.message;
  const firstError = r.endpoints.find((ep) => ep.status === 'error')?.error;
  const problem = topCap ?? (firstError ? `${firstError.code}${firstError.phase ? ` (${firstError.phase})` : ''}` : null);
  const expiries = r.endpoints.flatMap((ep) => (ep.certificate ? [ep.certificate.daysToExpiry] : []));
  const soonest = expiries.length ? Math.min(...expiries) : null;
  const expiry =
    soonest === null
      ? null
      : soonest < 0
        ? style.bad(`certificate expired ${Math.abs(soonest).toFixed(0)} days ago`)
        : `certificate expires in ${soonest.toFixed(0)} days`;
  const parts = [`grade ${grade}`, perEndpoint.length ? `(${perEndpoint.join(', ')})` : '', problem ? `worst: ${problem}` : '', expiry ?? ''].filter(Boolean);
  return style.bold(`${head}: ${parts.join('; ').replace('; (', ' (')}`);
}

function endpointName(ep: EndpointResult): string {
  const addr = ep.address.includes(':') ? `[${ep.address}]` : ep.address;
  return addr ? `${addr}:${ep.port}` : `${ep.host}:${ep.port}`;
}

/** XEP-0092 answer: "Prosody 0.12.4 (Linux)", or why there is none. */
function formatSoftware(s: SoftwareInfo, style: TextStyle): string {
  if (s.error) return `${style.warn('unknown')} ${s.error.code}${s.error.condition ? ` (${s.error.condition})` : ''}: ${s.error.message}`;
  const main = [s.name ?? '(no name)', s.version].filter(Boolean).join(' ');
  return s.os ? `${main} (${s.os})` : main;
}

function formatEndpoint(ep: EndpointResult, mode: Mode, style: TextStyle): string[] {
  const addr = ep.address.includes(':') ? `[${ep.address}]` : ep.address || '(no address)';
  const how = ep.directTls ? 'direct TLS' : 'STARTTLS';
  const srv = ep.source === 'srv' ? ` SRV prio ${ep.priority} weight ${ep.weight}` : ` ${ep.source}`;
  const out = [style.bold(`Endpoint ${ep.host}:${ep.port} ${addr} — ${how},${srv}`)];
  if (ep.status === 'skipped') {
    out.push(`  ${style.warn('skipped')} ${ep.error?.code}: ${ep.error?.message}`);
    return out;
  }
  if (ep.error) out.push(`  ${style.bad('error')} ${describeError(ep.error)}`);
  if (ep.grade) {
    const [first, ...rest] = renderGrade(ep.grade);
    out.push(`  ${gradeStyle(ep.grade.letter, style)(first ?? '')}`, ...rest.map((l) => `    ${l}`));
  } else {
    const why = ungradedReason(ep);
    if (why) out.push(`  ${style.warn('no grade')} ${why.message}`);
  }
  const x = ep.xmpp;
  if (x) {
    if (!ep.directTls) {
      const tlsState =
        x.starttls === 'required' ? style.ok('required') : x.starttls === 'offered' ? style.warn('offered, not required') : style.bad('not offered');
      out.push(`  STARTTLS            ${tlsState}`);
    }
    if (x.streamFrom || x.streamVersion) out.push(`  Stream              from=${x.streamFrom ?? '-'} version=${x.streamVersion ?? '-'}`);
    if (x.saslMechanisms.length) out.push(`  SASL before TLS     ${x.saslMechanisms.join(' ')}`);
    if (ep.session) out.push(`  SASL after TLS      ${x.saslMechanismsAfterTls.join(' ') || '(none)'}`);
    if (x.dialback) out.push(`  Dialback            offered`);
    if (x.compression.length) out.push(`  Compression         ${x.compression.join(' ')}`);
    if (x.clientCertificateRequired !== null) out.push(`  Client certificate  ${x.clientCertificateRequired ? 'required' : 'not required'}`);
    if (x.saslExternal) {
      const e = x.saslExternal;
      const verdict = !e.offered ? 'not offered' : e.succeeded ? style.ok('succeeded') : style.bad(`failed (${e.failure})`);
      out.push(`  SASL EXTERNAL       ${verdict}`);
    }
  }
  if (ep.session) out.push(`  TLS session         ${ep.session.protocol ?? '?'} ${ep.session.cipher ?? ''}`.trimEnd());
  if (ep.certificate) out.push(...formatCertificate(ep.certificate, mode, style));
  if (ep.dane) out.push(...formatDane(ep.dane, style));
  if (ep.tls) out.push(...formatTls(ep.tls, style));
  if (ep.simulations?.length) out.push(...formatSimulations(ep.simulations, style));
  return out;
}

/** One line per client profile: connects with what, or why not (current mainstream profiles that fail in red). */
function formatSimulations(sims: readonly SimulationResult[], style: TextStyle): string[] {
  const names = sims.map((s) => profileById(s.profile)?.name ?? s.profile);
  const width = Math.max(...names.map((n) => n.length));
  const out = ['  Handshake simulation (which clients and servers could connect)'];
  sims.forEach((s, i) => {
    const name = names[i]!.padEnd(width);
    if (s.connects) {
      out.push(`    ${name}  ${style.ok('yes')} ${[s.protocol, s.cipherSuite, s.group].filter(Boolean).join(' ')}`);
    } else {
      const line = `    ${name}  no  ${s.failure?.reason ?? ''}: ${s.failure?.message ?? ''}`;
      out.push(isCurrentProfile(s.profile) ? style.bad(line) : style.warn(line));
    }
  });
  return out;
}

/** The DANE verdict, the DNSSEC status of each answer, each record (✓ when it matched) and the problems. */
function formatDane(d: DaneResult, style: TextStyle): string[] {
  const verdict: Record<DaneResult['status'], string> = {
    none: 'no TLSA records',
    valid: style.ok('valid: a TLSA record matches the certificate'),
    mismatch: style.bad('MISMATCH: TLSA records are published and secure, but none matches the certificate'),
    insecure: style.warn('insecure: TLSA records exist but are not DNSSEC-secure, so clients ignore them'),
    bogus: style.bad('BOGUS: a DNS answer failed DNSSEC validation'),
    error: style.warn('could not be checked'),
  };
  const out = [`  DANE                ${verdict[d.status]}${d.name ? style.dim(` (${d.name})`) : ''}`];
  const steps = (['srv', 'address', 'tlsa'] as const).filter((k) => d.dnssec[k] !== null).map((k) => `${k.toUpperCase()} ${d.dnssec[k]}`);
  if (steps.length) out.push(`  DNSSEC              ${steps.join(', ')}`);
  for (const r of d.records) {
    const hit = d.matched.find((m) => m.usage === r.usage && m.selector === r.selector && m.matchingType === r.matchingType && m.data === r.data);
    const mark = hit ? style.ok(`✓ matched at depth ${hit.depth}`) : '';
    const data = r.data.length > 64 ? `${r.data.slice(0, 64)}…` : r.data;
    out.push(`    ${r.usage} ${r.selector} ${r.matchingType} ${data} ${style.dim(`[${TLSA_USAGE_NAMES[r.usage] ?? 'unknown usage'}]`)} ${mark}`.trimEnd());
  }
  for (const p of d.problems) out.push(`    ${d.status === 'valid' ? style.warn('!') : style.bad('✗')} ${p.code}: ${p.message}`);
  return out;
}

function gradeStyle(letter: GradeLetter, style: TextStyle): (s: string) => string {
  const paint = letter.startsWith('A') ? style.ok : letter === 'B' || letter === 'C' ? style.warn : style.bad;
  return (s) => style.bold(paint(s));
}

const PROTOCOL_ORDER = PROTOCOLS;
const LEGACY: ReadonlySet<ProtocolName> = new Set(['SSLv2', 'SSLv3']);

/** Protocols and suites grouped by protocol, strongest protocol first, like sslscan. */
function formatTls(t: TlsResult, style: TextStyle): string[] {
  const out = ['  Protocols'];
  for (const p of PROTOCOL_ORDER) {
    const err = t.protocolErrors[p];
    const state = err
      ? style.warn(`unknown (${err.code}: ${err.message})`)
      : t.protocols[p]
        ? LEGACY.has(p)
          ? style.bad('enabled')
          : style.ok('enabled')
        : 'disabled';
    out.push(`    ${p.padEnd(8)} ${state}`);
  }
  for (const p of [...PROTOCOL_ORDER].reverse()) {
    const suites = t.cipherSuites.filter((c) => c.protocol === p);
    if (suites.length === 0) continue;
    const order = t.serverPreference.find((o) => o.protocol === p);
    const how = order?.serverEnforced ? 'server order' : order?.serverEnforced === false ? 'client order' : '';
    out.push(`  ${p} cipher suites${how ? ` (${how})` : ''}`);
    const sorted = order?.serverEnforced ? [...suites].sort((a, b) => order.order.indexOf(a.code) - order.order.indexOf(b.code)) : suites;
    for (const c of sorted) {
      // Shown in red: weak suites and RC4.
      const bad = inSuiteClass(c, 'weak') || inSuiteClass(c, 'rc4');
      const bits = `${String(c.effectiveBits).padStart(3)} bits`;
      const kx = c.kxGroup ?? (c.dhBits ? `DH ${c.dhBits}` : '');
      const flags = [c.forwardSecrecy ? 'FS' : '', c.aead ? 'AEAD' : '', c.export ? 'EXPORT' : '', c.anonymous ? 'anon' : '', c.null ? 'NULL' : '']
        .filter(Boolean)
        .join(' ');
      const line = `    ${c.code.padEnd(8)} ${bits}  ${(c.openssl ?? c.name).padEnd(34)} ${kx.padEnd(10)} ${flags}`.trimEnd();
      out.push(bad ? style.bad(line) : line);
    }
  }
  if (t.groups.length) out.push(`  Groups              ${[...new Set(t.groups.map((g) => `${g.name} (${g.protocol})`))].join(', ')}`);
  for (const d of t.dh) out.push(`  DH parameters       ${d.bits} bits${d.name ? ` (${d.name})` : ''}`);
  const yesNo = (v: boolean | null, good: boolean) => (v === null ? 'not tested' : v === good ? style.ok(v ? 'yes' : 'no') : style.bad(v ? 'yes' : 'no'));
  out.push(`  Compression         ${yesNo(t.compression, false)}`);
  out.push(`  Secure reneg.       ${yesNo(t.secureRenegotiation, true)}`);
  out.push(`  Fallback SCSV       ${yesNo(t.fallbackScsv, true)}`);
  if (t.clientCertificateRequested !== null) out.push(`  Client cert. req.   ${t.clientCertificateRequested ? 'yes' : 'no'}`);
  if (t.partial) out.push(`  ${style.warn('partial')} a deadline stopped the probes: the lists above may be incomplete`);
  for (const n of t.notes) out.push(`  ${style.warn('note')} ${n}`);
  out.push(style.dim(`  ${t.probeCount} probes in ${t.durationSeconds.toFixed(2)} s`));
  return out;
}

function formatCertificate(c: CertificateResult, mode: Mode, style: TextStyle): string[] {
  const trust = c.trusted ? style.ok('trusted') : style.bad('NOT trusted');
  const problems = c.trustErrors.length ? ` (${c.trustErrors.join(', ')})` : '';
  const idn = c.hostnameValid ? style.ok(`valid for the domain (${c.identity.matchedBy}: ${c.identity.matchedValue})`) : style.bad('NOT valid for the domain');
  const days =
    c.daysToExpiry < 0
      ? style.bad(`expired ${Math.abs(c.daysToExpiry).toFixed(1)} days ago`)
      : c.daysToExpiry < 28
        ? style.warn(`${c.daysToExpiry.toFixed(1)} days left`)
        : `${c.daysToExpiry.toFixed(1)} days left`;
  const sans = [...c.sans.dns.map((d) => `DNS:${d}`), ...c.sans.srv.map((d) => `SRV:${d}`), ...c.sans.xmppAddr.map((d) => `XmppAddr:${d}`)];
  const key = `${c.keyType}${c.keyBits ? ` ${c.keyBits} bits` : ''}${c.curve ? ` (${c.curve})` : ''}`;
  const out = [
    `  Certificate         ${trust}${problems}`,
    `  Identity            ${idn}`,
    `  Subject             ${c.subject}`,
    `  Issuer              ${c.issuer}`,
    `  Names               ${sans.join(', ') || '(no subjectAltName)'}`,
    `  Validity            ${c.notBefore} → ${c.notAfter}, ${days}`,
    `  Key                 ${key}, signed with ${c.signatureAlgorithm}`,
    `  SHA-256             ${c.fingerprintSha256}`,
  ];
  // Each trust error in words ("the intermediate 'X' is not a CA certificate …"), under the verdict.
  const why = (c.trustErrorDetails ?? []).map((d) => `    ${isBlockingTrustError(d.reason) ? style.bad('✗') : style.warn('!')} ${d.message}`);
  out.splice(1, 0, ...why);
  const eku = c.extendedKeyUsage === undefined ? null : c.extendedKeyUsage === null ? 'any (no extendedKeyUsage)' : c.extendedKeyUsage.join(', ');
  if (eku !== null) {
    // s2s servers present the same certificate as TLS clients on their outgoing connections.
    const client =
      mode === 's2s' && c.clientAuth === false
        ? `; ${style.warn('not for TLS clients: peers that check the client certificate of outgoing s2s connections refuse it')}`
        : '';
    out.push(`  Usage               ${eku}${client}`);
  }
  out.push(`  Chain               ${c.chainLength ?? c.chain.length} certificate(s) sent; the path built from them:`);
  for (const [i, e] of c.builtChain.entries()) {
    out.push(`    ${i}: ${e.subject} ${style.dim(`[${CHAIN_SOURCE[e.source]}, ${e.keyType}${e.keyBits ? ` ${e.keyBits}` : ''}, ${e.signatureAlgorithm}]`)}`);
  }
  return out;
}

/** Where each certificate of the built path came from, in words. */
const CHAIN_SOURCE: Record<ChainEntry['source'], string> = {
  presented: 'sent by the server',
  trust_store: 'trust anchor, bundled roots',
  ca_file: 'trust anchor, CA file',
  aia: 'fetched from AIA',
};
