// One scan in a fresh Node process, as the CLI would do it but loading only the scan path:
//   node bench/scan-once.mjs DOMAIN HOST:PORT
// Prints the result document (JSON). The benchmark uses it when dist/cli/main.js does not run.

import { scanDomain } from '../dist/scan/index.js';

const [domain, connect] = process.argv.slice(2);
if (!domain || !connect) {
  process.stderr.write('usage: node bench/scan-once.mjs DOMAIN HOST:PORT\n');
  process.exit(2);
}
const result = await scanDomain(domain, { mode: 'c2s', connect, fetchAia: false });
process.stdout.write(`${JSON.stringify(result)}\n`);
