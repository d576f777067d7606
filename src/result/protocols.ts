import type { ProtocolName } from './types.js';

/** The protocols the prober tests, oldest first: the one order of grading, metrics, reports, history and text output. */
export const PROTOCOLS: readonly ProtocolName[] = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
