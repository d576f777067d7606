#!/usr/bin/env node
// The `xmpp-tls-exporter` executable. Everything lives in program.ts so tests can run it in-process.
import { main } from './program.js';

// `xmpp-tls-exporter scan … | head` closes our stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv);
