// The trust anchors: CA files and Node's bundled Mozilla roots. Apart from path building and the
// verdicts (trust.ts), so that the configuration can check its CA files without loading the X.509
// libraries (check-config's start-up time); only node:crypto here.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

export interface TrustAnchor {
  cert: NodeX509;
  source: 'trust_store' | 'ca_file';
}

export interface TrustStore {
  readonly anchors: readonly TrustAnchor[];
}

let systemAnchors: TrustAnchor[] | undefined;

/**
 * Trust anchors from PEM files (several certificates per file allowed; a bare DER certificate is
 * accepted too) and, unless `systemRoots` is false, Node's bundled Mozilla roots.
 * Throws an Error naming the file when one is unreadable or holds no certificate: the files are
 * read now. The bundled roots are decoded when `anchors` is first read (a check of the
 * configuration never reads it).
 */
export function loadTrustStore(opts: { caFiles?: string[]; systemRoots?: boolean } = {}): TrustStore {
  const fromFiles: TrustAnchor[] = [];
  for (const file of opts.caFiles ?? []) {
    for (const cert of readCertificateFile(file)) fromFiles.push({ cert, source: 'ca_file' });
  }
  const withSystemRoots = opts.systemRoots ?? true;
  let anchors: TrustAnchor[] | undefined;
  return {
    get anchors(): readonly TrustAnchor[] {
      if (anchors) return anchors;
      if (withSystemRoots) systemAnchors ??= rootCertificates.map((pem) => ({ cert: new NodeX509(pem), source: 'trust_store' as const }));
      // CA files first, so a certificate in both is reported as coming from the CA file.
      const seen = new Set<string>();
      anchors = [...fromFiles, ...(withSystemRoots ? systemAnchors! : [])].filter((a) => !seen.has(a.cert.fingerprint256) && seen.add(a.cert.fingerprint256));
      return anchors;
    },
  };
}

function readCertificateFile(file: string): NodeX509[] {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read CA file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const pems = data.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  if (pems === null) {
    try {
      return [new NodeX509(data)];
    } catch {
      throw new Error(`CA file ${file} holds no certificate`);
    }
  }
  try {
    return pems.map((pem) => new NodeX509(pem));
  } catch (err) {
    throw new Error(`CA file ${file} holds a malformed certificate: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
