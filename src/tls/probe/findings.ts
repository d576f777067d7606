import type { CipherSuiteFinding, ProtocolName } from '../../result/types.js';
import type { CipherSuite } from '../registry/index.js';

/** The result document's view of an accepted suite: its registry properties plus what the key exchange showed. */
export function cipherSuiteFinding(
  protocol: ProtocolName,
  s: CipherSuite,
  kx: { kxGroup: string | null; dhBits: number | null } = { kxGroup: null, dhBits: null },
): CipherSuiteFinding {
  return {
    protocol,
    code: s.hex,
    name: s.name,
    openssl: s.openssl,
    bits: s.bits,
    effectiveBits: s.effectiveBits,
    keyExchange: s.keyExchange,
    authentication: s.authentication,
    encryption: s.encryption,
    mac: s.mac,
    aead: s.aead,
    forwardSecrecy: s.forwardSecrecy,
    export: s.export,
    anonymous: s.anonymous,
    null: s.null,
    rc4: s.rc4,
    blockSize64: s.blockSize64,
    kxGroup: kx.kxGroup,
    dhBits: kx.dhBits,
  };
}
