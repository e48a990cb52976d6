/** Structured logs: an event name and flat fields, so they stay machine-readable. */
import type { LogFields, Logger, LogLevel } from './env.js';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Drops every record: the simulator's default, where logs would cost more than the run. */
export const silentLogger: Logger = { log() {} };

/** JSON lines to a sink (stderr by default), at or above a level. */
export function jsonLogger(
  component: string,
  level: LogLevel = 'info',
  sink: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  return {
    log(l: LogLevel, event: string, fields?: LogFields) {
      if (order[l] < order[level]) return;
      sink(JSON.stringify({ t: new Date().toISOString(), level: l, component, event, ...fields }));
    },
  };
}

/** Keeps records in memory: for tests that assert on what was logged. */
export class MemoryLogger implements Logger {
  readonly records: { level: LogLevel; event: string; fields: LogFields | undefined }[] = [];
  log(level: LogLevel, event: string, fields?: LogFields): void {
    this.records.push({ level, event, fields });
  }
  count(event: string): number {
    return this.records.filter((r) => r.event === event).length;
  }
}
