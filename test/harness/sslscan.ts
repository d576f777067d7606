import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// sslscan (Debian package) as an oracle: the (protocol, suite id) pairs it accepts on a port.

export const SSLSCAN_PATH = '/usr/bin/sslscan';

export interface SslscanFindings {
  protocols: Record<string, boolean>;
  /** `TLSv1.2 0xC030` strings (sslscan's ids upper-cased). */
  suites: Set<string>;
}

export async function sslscan(hostPort: string, extraArgs: string[]): Promise<SslscanFindings> {
  const { stdout } = await promisify(execFile)(SSLSCAN_PATH, ['--no-colour', '--xml=-', ...extraArgs, hostPort], { timeout: 120_000 });
  const protocols: Record<string, boolean> = {};
  for (const m of stdout.matchAll(/<protocol type="(ssl|tls)" version="([\d.]+)" enabled="([01])"/g)) {
    const name = m[1] === 'ssl' ? `SSLv${m[2]}` : `TLSv${m[2]}`;
    protocols[name] = m[3] === '1';
  }
  const suites = new Set<string>();
  for (const m of stdout.matchAll(/<cipher status="\w+" sslversion="([^"]+)"[^>]* id="0x([0-9A-Fa-f]+)"/g)) {
    suites.add(`${m[1]} 0x${(m[2] as string).toUpperCase()}`);
  }
  return { protocols, suites };
}
