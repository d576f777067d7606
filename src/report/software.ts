import type { ScanResult } from '../result/types.js';

// The server software (XEP-0092 jabber:iq:version) of a scan result: `ScanResult.software`
// (`{ name, version, os, queriedAt, error? }`, optional). Read loosely, as unknown JSON, because
// reports are also made from state files and documents written before the field existed, or by
// another version: absent, null, a failed query (name and version null) all mean "unknown".

export interface KnownSoftware {
  name: string | null;
  version: string | null;
  os: string | null;
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function asSoftware(v: unknown): KnownSoftware | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const info = { name: stringOrNull(o.name), version: stringOrNull(o.version), os: stringOrNull(o.os) };
  // An error object (`{ code, message }`) or an empty answer tells nothing.
  return info.name === null && info.version === null ? null : info;
}

/** The domain's software: the result's `software`, else the first endpoint that has one; null when unknown. */
export function softwareOf(result: ScanResult): KnownSoftware | null {
  const top = asSoftware((result as unknown as { software?: unknown }).software);
  if (top) return top;
  for (const ep of result.endpoints ?? []) {
    const s = asSoftware((ep as unknown as { software?: unknown }).software);
    if (s) return s;
  }
  return null;
}

/** "name version (os)", leaving out what is unknown. */
export function softwareLabel(s: KnownSoftware): string {
  const main = [s.name ?? 'unknown', s.version].filter(Boolean).join(' ');
  return s.os ? `${main} (${s.os})` : main;
}

/**
 * Why a result has no software: "not asked" (no account configured, or a document from before
 * the field), else what the failed query said: its stanza error condition (item-not-found,
 * service-unavailable, remote-server-not-found, …) or its error code (timeout, auth_failed, …).
 */
export function softwareUnknownReason(result: ScanResult): string {
  const v = (result as unknown as { software?: unknown }).software;
  if (v === null || v === undefined || typeof v !== 'object') return 'not asked';
  const error = (v as { error?: unknown }).error;
  if (error === null || typeof error !== 'object') return 'empty answer';
  const { condition, code } = error as { condition?: unknown; code?: unknown };
  const reason = stringOrNull(condition) ?? stringOrNull(code);
  // Our own codes and RFC 6120 condition names only: keep anything else out of the report's keys.
  return reason !== null && /^[a-z0-9_-]{1,40}$/.test(reason) ? reason : 'failed';
}
