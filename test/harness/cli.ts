import { jest } from '@jest/globals';
import { main } from '../../src/cli/program.js';

// The CLI in-process: `xmpp-tls-exporter ARGS…` through main(), with what it writes to stdout and
// stderr captured, and process.exitCode left as it was found (undefined).

export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += chunk.toString();
    return true;
  });
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'xmpp-tls-exporter', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}
