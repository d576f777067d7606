import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ScanResult } from '../../../src/result/types.js';
import { ResultDatabase } from '../../../src/store/database.js';

// A results database with a known history, written the way the daemon writes it (record() of
// graded scan result documents), and the built CLI run as a process against it: what `history`
// and `report --store/--since` read.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

/** The tests run the built CLI (scripts/test.sh builds before jest); build it when missing. */
export function ensureBuilt(): void {
  if (!existsSync(MAIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `xmpp-tls-exporter ARGS` as a process, until it exits. */
export function runBuilt(args: string[], opts: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const DAY_MS = 86_400_000;

/** The ISO time `days` days before `now`, to the millisecond as the scanner writes it. */
export function daysAgo(now: number, days: number): string {
  return new Date(now - days * DAY_MS).toISOString();
}

import { scanResult } from '../../unit/store/fixtures.js';

export { type ScanSpec, scanResult } from '../../unit/store/fixtures.js';

/**
 * The history the tests check, relative to `now`:
 *   example.org c2s   60 d ago first seen (TLS 1.2 + 1.3, certificate AA:BB:CC…), seen again 50 d ago;
 *                     40 d ago certificate replaced (11:22:33…);
 *                     10 d ago TLS 1.0 enabled (the grade drops), seen again 1 d ago
 *   example.org s2s   20 d ago first seen; 2 d ago unreachable
 *   other.example c2s 5 d ago first seen
 */
export function historyScans(now: number): ScanResult[] {
  const renewed = { fingerprint: '11:22:33:44:55:66:77:88', notAfter: '2027-09-01T00:00:00.000Z' };
  return [
    scanResult({ at: daysAgo(now, 60) }),
    scanResult({ at: daysAgo(now, 50) }),
    scanResult({ at: daysAgo(now, 40), ...renewed }),
    scanResult({ at: daysAgo(now, 20), mode: 's2s' }),
    scanResult({ at: daysAgo(now, 10), ...renewed, protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'] }),
    scanResult({ at: daysAgo(now, 5), domain: 'other.example' }),
    scanResult({ at: daysAgo(now, 2), mode: 's2s', fail: true }),
    scanResult({ at: daysAgo(now, 1), ...renewed, protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'] }),
  ];
}

/** Writes the scans into a new database at `file`, left open as the daemon keeps it. */
export function writeDatabase(file: string, scans: readonly ScanResult[]): ResultDatabase {
  const db = ResultDatabase.open(file);
  for (const s of scans) db.record(s);
  return db;
}
