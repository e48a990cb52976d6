/**
 * The service replicas of a switching cluster run: the application's service plus one page, the
 * switch record (epoch.ts). A system op (command.ts) never reaches the application: it is judged
 * here, at its seq, and its verdict is the request's result, cached by the reply cache like any
 * other, so a retransmission gets the same answer and the command takes effect exactly once.
 * Because the record is a page of the checkpoint, a replica that installs a checkpoint past a
 * command learns of the switch from the state itself.
 */
import { err, ok, type Result } from '../../core/result.js';
import type { ExecutionContext, Service } from '../service.js';
import { isSystemOp } from './command.js';
import { decodeRecord, encodeRecord, initialRecord, type SwitchRecord } from './epoch.js';

/** What the switching layer does with system ops and restored records. */
export interface SystemHooks {
  /** Judge a system op ordered at `seq`; returns the new record (or the old one) and the verdict text. */
  judge(op: Uint8Array, seq: number, record: SwitchRecord): { record: SwitchRecord; verdict: string };
  /** The state was replaced by a checkpoint holding this record. */
  restored(record: SwitchRecord): void;
}

const encoder = new TextEncoder();

export class SystemService implements Service {
  readonly pageCount: number;
  private recordValue: SwitchRecord = initialRecord;
  private dirty = true;
  /** Set once the switching layer exists (it is created after the service). */
  hooks: SystemHooks | undefined;

  constructor(private readonly app: Service) {
    this.pageCount = app.pageCount + 1;
  }

  get record(): SwitchRecord {
    return this.recordValue;
  }

  execute(op: Uint8Array, ctx: ExecutionContext): Uint8Array {
    if (!isSystemOp(op)) return this.app.execute(op, ctx);
    if (this.hooks === undefined) return encoder.encode('refused: this replica does not switch');
    const { record, verdict } = this.hooks.judge(op, ctx.seq, this.recordValue);
    if (record !== this.recordValue) {
      this.recordValue = record;
      this.dirty = true;
    }
    return encoder.encode(verdict);
  }

  query(op: Uint8Array): Uint8Array {
    if (isSystemOp(op)) return encoder.encode('refused: a reconfiguration must be ordered');
    return this.app.query(op);
  }

  takeDirtyPages(): number[] {
    const pages = this.app.takeDirtyPages();
    if (this.dirty) pages.push(this.app.pageCount);
    this.dirty = false;
    return pages;
  }

  encodePage(index: number): Uint8Array {
    return index === this.app.pageCount ? encodeRecord(this.recordValue) : this.app.encodePage(index);
  }

  restorePages(pages: readonly Uint8Array[]): Result<void, string> {
    if (pages.length !== this.pageCount) return err(`expected ${this.pageCount} pages, got ${pages.length}`);
    const record = decodeRecord(pages[this.app.pageCount] as Uint8Array);
    if (!record.ok) return record;
    const app = this.app.restorePages(pages.slice(0, this.app.pageCount));
    if (!app.ok) return app;
    this.recordValue = record.value;
    this.dirty = true;
    this.hooks?.restored(record.value);
    return ok(undefined);
  }
}
