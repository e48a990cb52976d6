/**
 * The parent's handle on one member process of `launchGroup` (launch.ts): it keeps the reports
 * the process streams back, lets callers listen and wait for them, and sends the member requests
 * (multicast, inject, leave, stats) over IPC.
 */
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { Guarantee } from '../../protocols/itua/index.js';
import { GroupError } from './errors.js';
import type { FromMember, MemberStats, ToMember } from './ipc.js';
import type { GroupReport } from './member-process.js';

export interface TimedReport {
  readonly report: GroupReport;
  /** The member's wall clock when it reported (ipc.ts). */
  readonly atMs: number;
}

/** Reports kept per member, oldest dropped beyond: far above what a test or experiment makes. */
const REPORTS_MAX = 200_000;

export class MemberHandle {
  /** Every report so far, in order (at most REPORTS_MAX, oldest dropped). */
  readonly reports: TimedReport[] = [];
  private readonly listeners = new Set<(r: GroupReport, atMs: number) => void>();
  private readonly pending = new Map<
    number,
    { resolve: (atMs: number) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private child: ChildProcess | undefined;
  private exit: Promise<void> = Promise.resolve();

  constructor(readonly id: number) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Listen to reports from now on; returns the function that stops listening. */
  on(listener: (r: GroupReport, atMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first report, already received or to come, that `match` accepts; rejects after timeoutMs. */
  waitFor(match: (r: GroupReport) => boolean, timeoutMs: number): Promise<TimedReport> {
    const seen = this.reports.find((t) => match(t.report));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`member ${this.id}: no matching report within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((report, atMs) => {
        if (!match(report)) return;
        clearTimeout(timer);
        off();
        resolve({ report, atMs });
      });
    });
  }

  /** Resolves with the member's time when its stack accepted the multicast (back-pressure waits). */
  multicast(data: Uint8Array, guarantee: Guarantee): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this.request({ kind: 'multicast', id, guarantee, data })) {
        this.pending.delete(id);
        reject(new GroupError('CLOSED', `member ${this.id} is not running`));
      }
    });
  }

  /** Take on faults by name ([] repairs); `crash` kills the process and resolves once it is gone. */
  async inject(faults: readonly string[]): Promise<string[]> {
    const child = this.child;
    if (child === undefined || !this.running)
      throw new GroupError('CLOSED', `member ${this.id} is not running`);
    if (faults.includes('crash')) {
      this.request({ kind: 'inject', behaviours: ['crash'] });
      await this.exit;
      return ['crash'];
    }
    const answer = this.answer(child, (m) => m.kind === 'injected' || m.kind === 'inject-failed');
    this.request({ kind: 'inject', behaviours: faults });
    const m = await answer;
    if (m.kind === 'inject-failed') throw new GroupError('CONFIG', m.reason);
    return m.kind === 'injected' ? [...m.behaviours] : [];
  }

  crash(): Promise<string[]> {
    return this.inject(['crash']);
  }

  /** Ask to leave the group (an `excluded` report follows once the others removed it). */
  leave(): void {
    this.request({ kind: 'leave' });
  }

  /** The member's counters, or undefined if it does not answer. */
  async stats(timeoutMs = 2_000): Promise<MemberStats | undefined> {
    const child = this.child;
    if (child === undefined || !this.running) return undefined;
    const answer = this.answer(child, (m) => m.kind === 'stats', timeoutMs);
    this.request({ kind: 'stats?' });
    const m = await answer.catch(() => undefined);
    return m?.kind === 'stats' ? m.stats : undefined;
  }

  /** Used by launch.ts: this handle now speaks for `child`. */
  attach(child: ChildProcess): void {
    this.child = child;
    this.exit = once(child, 'exit').then(() => this.onExit());
    child.on('message', (m: FromMember) => this.onMessage(m));
  }

  /** SIGKILL (the members hold nothing worth flushing); resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child?.kill('SIGKILL');
    await this.exit;
  }

  private onMessage(m: FromMember): void {
    if (m.kind === 'report') {
      this.reports.push({ report: m.report, atMs: m.atMs });
      if (this.reports.length > REPORTS_MAX) this.reports.shift();
      for (const l of [...this.listeners]) l(m.report, m.atMs);
    } else if (m.kind === 'multicast-done') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error === undefined) p?.resolve(m.atMs);
      else p?.reject(new GroupError(m.error.code, m.error.message));
    }
  }

  private onExit(): void {
    const e = new GroupError('CLOSED', `member ${this.id} exited`);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private request(m: ToMember): boolean {
    const child = this.child;
    if (child === undefined || !child.connected) return false;
    child.send(m);
    return true;
  }

  private answer(
    child: ChildProcess,
    match: (m: FromMember) => boolean,
    timeoutMs = 5_000,
  ): Promise<FromMember> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`member ${this.id} did not answer`)), timeoutMs);
      const onMessage = (m: FromMember) => {
        if (match(m)) done(undefined, m);
      };
      const done = (e?: Error, m?: FromMember) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        if (m !== undefined) resolve(m);
        else reject(e);
      };
      child.on('message', onMessage);
    });
  }
}
