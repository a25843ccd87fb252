import { pino, type Logger } from 'pino';

/**
 * The root logger: JSON lines on stderr (stdout is kept for `--json` documents). Level from
 * SATURN_LOG_LEVEL (default info). Actors take children with `{ run, actor, id }`.
 */
export const rootLogger: Logger = pino(
  { name: 'saturn', level: process.env.SATURN_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination({ fd: 2, sync: true }),
);
