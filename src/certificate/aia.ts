// AIA chasing: servers that forget to send their intermediate are common. Browsers fetch the
// missing issuer from the certificate's caIssuers URL, XMPP clients mostly do not; we fetch it to
// tell "incomplete chain" apart from "unknown issuer".
import 'reflect-metadata'; // must precede @peculiar/x509 (tsyringe needs the Reflect metadata API)
import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Agent } from 'undici';
import type { CertificateDetails, CertificateResult } from '../result/types.js';
import { parseCertificate } from './parse.js';
import { analyzeChain, type AnalyzeOptions } from './trust.js';

export interface AiaFetchOptions {
  /** Per URL, headers and body together. */
  timeoutMs: number;
  /** Largest response accepted; certificates are a few KiB. Default 64 KiB. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024;
const MAX_URLS = 4;
const MAX_HOPS = 3;

/**
 * Downloads the certificates named by the caIssuers URLs (http and https only): DER, PEM or a
 * PKCS#7 certs-only bundle (.p7c). Failures are swallowed: whatever could be fetched is returned.
 */
export async function fetchAiaIssuers(cert: Pick<CertificateDetails, 'caIssuersUrls'>, opts: AiaFetchOptions): Promise<Buffer[]> {
  const urls = httpUrls(cert.caIssuersUrls);
  if (urls.length === 0) return [];
  // Loaded on first use: undici costs ~0.1 s of start-up, and most scans never need it.
  const { Agent, interceptors, request } = await import('undici');
  const agent = new Agent();
  try {
    const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 3 }));
    const bodies = await Promise.all(urls.map((url) => download(request, url, dispatcher, opts).catch(() => null)));
    return bodies.flatMap((body) => (body === null ? [] : decodeCertificates(body)));
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

function httpUrls(urls: string[]): string[] {
  return urls.filter((url) => /^https?:\/\//i.test(url)).slice(0, MAX_URLS);
}

async function download(
  request: typeof import('undici').request,
  url: string,
  dispatcher: ReturnType<Agent['compose']>,
  opts: AiaFetchOptions,
): Promise<Buffer | null> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const response = await request(url, { dispatcher, signal: AbortSignal.timeout(opts.timeoutMs) });
  if (response.statusCode !== 200) {
    await response.body.dump();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** DER certificates found in a caIssuers response. */
export function decodeCertificates(body: Buffer): Buffer[] {
  const text = body.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    // PKCS#7 bundles are labelled PKCS7 by OpenSSL, CMS by some other tools.
    return [...text.matchAll(/-----BEGIN (CERTIFICATE|PKCS7|CMS)-----([^-]+)-----END \1-----/g)].flatMap(([, label, base64]) => {
      const der = Buffer.from(base64 ?? '', 'base64');
      return label === 'CERTIFICATE' ? [der] : fromPkcs7(der);
    });
  }
  return isCertificate(body) ? [body] : fromPkcs7(body);
}

function isCertificate(der: Buffer): boolean {
  try {
    new NodeX509(der);
    return true;
  } catch {
    return false;
  }
}

function fromPkcs7(der: Buffer): Buffer[] {
  try {
    return new x509.X509Certificates(new Uint8Array(der)).map((cert) => Buffer.from(cert.rawData));
  } catch {
    return [];
  }
}

/**
 * analyzeChain, and when the path stops at an unknown issuer, fetch that issuer through the
 * caIssuers URL of the last certificate reached and try again (up to 3 hops).
 */
export async function completeChain(presented: Buffer[], opts: AnalyzeOptions & AiaFetchOptions): Promise<CertificateResult> {
  const extra = [...(opts.extraIntermediates ?? [])];
  const triedUrls = new Set<string>();
  let result = analyzeChain(presented, { ...opts, extraIntermediates: extra });
  for (let hop = 0; hop < MAX_HOPS && result.trustErrors.includes('unknown_issuer'); hop++) {
    const known = [...presented, ...extra.map((e) => e.der)];
    const lastFingerprint = result.builtChain.at(-1)?.fingerprintSha256;
    const last = known.find((der) => fingerprint256(der) === lastFingerprint);
    if (last === undefined) break;
    const urls = httpUrls(parseCertificate(last).caIssuersUrls).filter((url) => !triedUrls.has(url));
    for (const url of urls) triedUrls.add(url);
    const seen = new Set(known.map(fingerprint256));
    const fetched = (await fetchAiaIssuers({ caIssuersUrls: urls }, opts)).filter((der) => !seen.has(fingerprint256(der)));
    if (fetched.length === 0) break;
    extra.push(...fetched.map((der) => ({ der, source: 'aia' as const })));
    result = analyzeChain(presented, { ...opts, extraIntermediates: extra });
  }
  return result;
}

/** Same format as CertificateDetails.fingerprintSha256, without parsing the certificate. */
function fingerprint256(der: Buffer): string {
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}
