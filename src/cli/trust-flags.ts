import { type TrustStore, loadTrustStore } from '../certificate/index.js';
import { type ScannerFlags, UsageError } from './scanner-options.js';

// Apart from scanner-options.ts, which every command loads to declare its flags: the X.509
// libraries behind loadTrustStore take a good part of the CLI's start-up, and only `scan` and
// `report` need them.

/** The trust anchors of --ca-file and --no-system-roots. Throws UsageError (unreadable or bad PEM). */
export function trustStoreFromFlags(flags: ScannerFlags): TrustStore {
  try {
    return loadTrustStore({ caFiles: flags.caFile, systemRoots: flags.systemRoots });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
