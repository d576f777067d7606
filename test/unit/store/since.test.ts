import { describe, expect, test } from '@jest/globals';
import { parseSince } from '../../../src/store/since.js';

// `since` (the CLI's --since, the API's ?since=): durations back from a fixed now, ISO dates and
// times, and the input it refuses, each with a message that says why.

const NOW = new Date('2026-12-01T12:00:00.000Z');

describe('parseSince', () => {
  // [text, the moment it names]
  test.each<[string, string]>([
    ['90m', '2026-12-01T10:30:00.000Z'],
    ['12h', '2026-12-01T00:00:00.000Z'],
    ['30d', '2026-11-01T12:00:00.000Z'],
    ['2w', '2026-11-17T12:00:00.000Z'],
    ['1d', '2026-11-30T12:00:00.000Z'],
    [' 7d ', '2026-11-24T12:00:00.000Z'],
    ['2026-11-30', '2026-11-30T00:00:00.000Z'],
    ['2026-11-30T14:02', '2026-11-30T14:02:00.000Z'],
    ['2026-11-30 14:02', '2026-11-30T14:02:00.000Z'],
    ['2026-11-30T14:02:03Z', '2026-11-30T14:02:03.000Z'],
    ['2026-11-30t14:02:03z', '2026-11-30T14:02:03.000Z'],
    ['2026-11-30T14:02:03.5Z', '2026-11-30T14:02:03.500Z'],
    ['2026-11-30T14:02:03.123456Z', '2026-11-30T14:02:03.123Z'],
    ['2026-11-30T14:02:00+02:00', '2026-11-30T12:02:00.000Z'],
    ['2026-11-30T14:02:00-0530', '2026-11-30T19:32:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['999999w', '-017139-08-02T12:00:00.000Z'],
    ['2026-12-01T12:00:00Z', '2026-12-01T12:00:00.000Z'],
  ])('%j → %s', (text, iso) => {
    expect(parseSince(text, NOW).toISOString()).toBe(iso);
  });

  // [text, why]
  test.each<[string, string]>([
    ['', 'not a duration or a date'],
    ['30', 'not a duration or a date'],
    ['d', 'not a duration or a date'],
    ['30 d', 'not a duration or a date'],
    ['30D', 'not a duration or a date'],
    ['1y', 'not a duration or a date'],
    ['-5d', 'not a duration or a date'],
    ['1.5h', 'not a duration or a date'],
    ['1234567d', 'not a duration or a date'],
    ['yesterday', 'not a duration or a date'],
    ['2026-1-5', 'not a duration or a date'],
    ['30/11/2026', 'not a duration or a date'],
    ['2026-11-30T14', 'not a duration or a date'],
    ['2026-11-30T14:02+2', 'not a duration or a date'],
    ['0d', 'a zero duration'],
    ['2026-02-29', 'no such date or time'],
    ['2026-02-30', 'no such date or time'],
    ['2026-13-01', 'no such date or time'],
    ['2026-11-30T24:00', 'no such date or time'],
    ['2026-11-30T14:60', 'no such date or time'],
    ['2026-11-30T14:02:60Z', 'no such date or time'],
    ['2026-11-30T14:02+24:00', 'no such UTC offset'],
    ['2026-12-01T12:00:01Z', 'a time in the future'],
    ['2027-01-01', 'a time in the future'],
  ])('%j is refused: %s', (text, why) => {
    expect(() => parseSince(text, NOW)).toThrow(`${JSON.stringify(text)}: ${why}; expected a duration (90m, 12h, 30d, 2w) or an ISO date or date-time`);
  });
});
