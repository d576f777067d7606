import { destination, pino, type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty' | 'auto';

/** JSON lines by default; human-readable on a terminal (`auto`) or when asked (`pretty`). */
export function createLogger(level: string, format: LogFormat): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  if (!pretty) return pino({ level, base: { name: 'xmpp-tls-exporter' } }, destination(2));
  return pino({
    level,
    transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:standard', ignore: 'pid,hostname' } },
  });
}
