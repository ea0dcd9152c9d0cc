import { appendFileSync, writeSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface LoggerOptions {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

/**
 * Records as runc writes them: with --log-format json one {"level","msg","time"} object a line
 * (containerd reads errors back from it), else logrus' text form. Without --log, records go to stderr.
 * Writes are synchronous and never touch process.stderr, whose handle would make the fd non-blocking
 * for the container that shares it.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const write = (level: LogLevel, msg: string) => {
    if (level === 'debug' && !opts.debug) return;
    const time = new Date().toISOString();
    const line = opts.format === 'json'
      ? `${JSON.stringify({ level, msg, time })}\n`
      : `time=${JSON.stringify(time)} level=${level} msg=${JSON.stringify(msg)}\n`;
    try {
      if (opts.file) appendFileSync(opts.file, line, { mode: 0o600 });
      else writeSync(2, line);
    } catch {
      /* a log that cannot be written must not turn success into failure */
    }
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warning', m),
    error: (m) => write('error', m),
  };
}

/** One line on stderr for the person at the terminal. */
export function printError(msg: string): void {
  try {
    writeSync(2, `tsrun: ${msg}\n`);
  } catch {
    /* stderr closed */
  }
}
