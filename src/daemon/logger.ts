import { destination, pino, type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty' | 'auto';

/**
 * Belt and braces for the version query account's password: it is a Secret (prints as
 * [redacted]) and never put in a log object, and any `password` key that got into one anyway is
 * censored.
 */
export const LOG_REDACT = { paths: ['password', '*.password', '*.*.password', '*.*.*.password'], censor: '[redacted]' };

/** JSON lines by default; human-readable on a terminal (`auto`) or when asked (`pretty`). */
export function createLogger(level: string, format: LogFormat): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  // Synchronous writes: a few lines a scan cost nothing, and the last line before an exit (a
  // failed start, a shutdown that ran out of time) must not be lost in a buffer.
  if (!pretty) return pino({ level, base: { name: 'xmpp-tls-exporter' }, redact: LOG_REDACT }, destination({ dest: 2, sync: true }));
  return pino({
    level,
    redact: LOG_REDACT,
    transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:standard', ignore: 'pid,hostname' } },
  });
}
