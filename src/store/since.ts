// `--since 30d` on the command line and `?since=…` in the API: a duration back from now, or a date.
// Pure (the caller passes `now`), and strict: a date that does not exist (February 30) or a time
// after `now` is refused rather than quietly turned into another moment.

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** How `since` is written, for messages and help texts. */
export const SINCE_FORMS = 'a duration (90m, 12h, 30d, 2w) or an ISO date or date-time (2026-11-01, 2026-11-01T12:00Z)';

const DURATION = /^(\d{1,6})([mhdw])$/;
// date, then optionally time (T or a space), seconds, fraction, offset (Z, ±HH:MM or ±HHMM)
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * The moment `text` names: a duration back from `now` (`90m`, `12h`, `30d`, `2w`: minutes, hours,
 * days, weeks) or an ISO 8601 date (midnight UTC) or date-time (UTC unless it has an offset).
 * Throws an Error quoting the text, saying why and what is accepted, for anything else, a zero
 * duration, a date or time that does not exist, or a moment after `now`.
 */
export function parseSince(text: string, now: Date): Date {
  const bad = (why: string) => new Error(`${JSON.stringify(text)}: ${why}; expected ${SINCE_FORMS}`);
  const t = text.trim();
  const duration = DURATION.exec(t);
  if (duration) {
    const n = Number(duration[1]);
    if (n === 0) throw bad('a zero duration');
    // At most 999999 weeks (six digits): some 19,000 years, well inside what a Date can hold.
    return new Date(now.getTime() - n * UNIT_MS[duration[2]!]!);
  }
  const m = DATE_TIME.exec(t);
  if (!m) throw bad('not a duration or a date');
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v)));
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const utc = Date.UTC(year!, month! - 1, day!, hour, minute, second, ms);
  // Date.UTC rolls over (February 30 is March 2, 24:00 the next day): refuse what does not exist.
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month! - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    throw bad('no such date or time');
  }
  const offset = m[8] && m[8].toUpperCase() !== 'Z' ? offsetMs(m[8]) : 0;
  if (offset === null) throw bad('no such UTC offset');
  const date = new Date(utc - offset);
  if (date.getTime() > now.getTime()) throw bad('a time in the future');
  return date;
}

/** "+02:00" / "-0530" → milliseconds east of UTC; null past ±23:59. */
function offsetMs(text: string): number | null {
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return null;
  return (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}
