import { normalizeDomain } from '../discovery/domain.js';

/** `local@domain` → its parts (the domain normalised). Throws Error with the reason. */
export function parseBareJid(jid: string): { localpart: string; domain: string } {
  const at = jid.indexOf('@');
  if (at <= 0 || jid.includes('/') || jid.indexOf('@', at + 1) !== -1) throw new Error(`"${jid}" is not a bare JID user@domain`);
  const localpart = jid.slice(0, at);
  if (/[\s"&'/:<>@]/.test(localpart)) throw new Error(`the user part of "${jid}" contains a character JIDs forbid`);
  if (Buffer.byteLength(localpart) > 1023) throw new Error('the user part is longer than 1023 bytes');
  return { localpart, domain: normalizeDomain(jid.slice(at + 1)) };
}
