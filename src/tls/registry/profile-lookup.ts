import type { Mode } from '../../result/types.js';
import type { ClientProfile } from './client-profiles.js';
import { CLIENT_PROFILES } from './client-profiles.generated.js';

// The client profiles by what the scan, the grading and the metrics ask of them.

const BY_ID = new Map(CLIENT_PROFILES.map((p) => [p.id, p]));

/** The profiles that connect in `mode` (clients for c2s, federating servers for s2s), in id order. */
export function profilesFor(mode: Mode): readonly ClientProfile[] {
  return CLIENT_PROFILES.filter((p) => p.roles.includes(mode));
}

export function profileById(id: string): ClientProfile | undefined {
  return BY_ID.get(id);
}

/** A current, mainstream profile (false for an id no longer known: a result written by another version). */
export function isCurrentProfile(id: string): boolean {
  return BY_ID.get(id)?.current === true;
}
