import type { ProtocolName } from '../../result/types.js';
import { x25519KeyShare } from '../wire/index.js';
import type { ProbeAnswer } from './exchange.js';
import { buildHello, buildSslv2Hello } from './hellos.js';

// What one probe offers, as the algorithms see it (protocol, suites in order, groups, …), and the
// one function that sends it. The prober's algorithms (suite enumeration, groups, server order)
// only ever make offers and read answers: the real `send` turns an offer into ClientHello bytes on
// a fresh connection; a test can answer offers from a scripted fake server instead.

export type TlsProtocol = Exclude<ProtocolName, 'SSLv2'>;

export interface Offer {
  protocol: ProtocolName;
  /** Cipher suites in the order offered (SSLv2: cipher specs, three-byte codes). */
  suites: number[];
  /** supported_groups (default: all for the protocol). */
  groups?: number[];
  /** TLS 1.3 key share: one x25519 share (default), or none (provokes a HelloRetryRequest naming the server's group). */
  keyShare?: 'x25519' | 'none';
  /** Offer DEFLATE compression. */
  compression?: boolean;
  /** Add TLS_FALLBACK_SCSV (RFC 7507). */
  fallbackScsv?: boolean;
}

/** Answers one offer: in production a fresh connection and one ClientHello (see helloBytes), in tests a fake server. */
export type SendOffer = (offer: Offer) => Promise<ProbeAnswer>;

/** The ClientHello of an offer. */
export function helloBytes(offer: Offer, serverName: string | null): Buffer {
  if (offer.protocol === 'SSLv2') return buildSslv2Hello(offer.suites);
  return buildHello(offer.protocol, offer.suites, serverName, {
    ...(offer.groups ? { groups: offer.groups } : {}),
    ...(offer.keyShare === 'none' ? { keyShares: [] } : offer.keyShare === 'x25519' ? { keyShares: [x25519KeyShare()] } : {}),
    ...(offer.compression ? { compression: true } : {}),
    ...(offer.fallbackScsv ? { fallbackScsv: true } : {}),
  });
}
