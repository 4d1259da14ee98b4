/**
 * Structured logs: JSON lines on stderr (stdout is kept for data such as
 * alerts). Secrets are redacted by key wherever they appear.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const redactedKeys = ['secret', 'token', 'password', 'authorization', 'key', 'privateKey'];

export function createLogger(name: string, level = process.env.PICKET_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      redact: { paths: redactedKeys.flatMap((key) => [key, `*.${key}`]), censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
