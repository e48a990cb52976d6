/**
 * Signed heartbeats (issue 5, item 3; seed 003's C-Ensemble Suspect layer noticed missing
 * heartbeats): a member multicasts one when it has sent the view nothing else for a heartbeat
 * period (any message shows it alive, and the Stable layer's arrays go out more often than that
 * while the stack runs), and a member not heard from for the heartbeat timeout is suspected, once
 * per silence. Not while this member installs the next view (its Ready-to-Switch is out): then
 * the installation's own timers judge the members, as they judge the stack's silences
 * (member.ts, `excuses`). A member that fails the installation is found by them (the leader by
 * the New-View and Commit timeouts, a member the proposal keeps by the Ready-to-Switch one), and
 * one it removes need not be; a silence while partitions heal would only add a false suspicion
 * that can leave no member able to lead.
 */
import type { NodeId } from '../../../core/ids.js';
import type { Rank } from '../layer.js';
import type { AgreementHost } from './host.js';
import type { MembershipMessage } from './messages.js';
import { beatStatement } from './signing.js';

type Heartbeat = Extract<MembershipMessage, { kind: 'gm-heartbeat' }>;

export class Heartbeats {
  private readonly heard: number[];
  private readonly silent: boolean[];
  private beat = 0;

  constructor(
    private readonly host: AgreementHost,
    private readonly suspect: (rank: Rank, detail: string) => void,
  ) {
    this.heard = new Array<number>(host.view.members.length).fill(0);
    this.silent = new Array<boolean>(host.view.members.length).fill(false);
  }

  start(): void {
    this.heard.fill(this.host.now());
    this.host.setTimer(this.host.tuning.heartbeatMs, { kind: 'gm.beat', view: this.host.view.id });
  }

  heardFrom(rank: Rank): void {
    if (rank >= this.heard.length) return;
    this.heard[rank] = this.host.now();
    this.silent[rank] = false;
  }

  /** Whether a heartbeat carries its sender's signature. */
  onBeat(from: Rank, m: Heartbeat): boolean {
    const node = this.host.view.members[from] as NodeId;
    return this.host.crypto.verify(node, beatStatement(m.view, from, m.beat), m.sig);
  }

  /** Beat if I was quiet; suspect silent members only if `judge` (I am not installing a view). */
  onTick(judge: boolean): void {
    const { host } = this;
    const now = host.now();
    if (now - host.lastBroadcastAt() >= host.tuning.heartbeatMs) {
      this.beat++;
      const sig = host.crypto.sign(beatStatement(host.view.id, host.self, this.beat));
      host.broadcast({ kind: 'gm-heartbeat', view: host.view.id, beat: this.beat, sig });
    }
    for (let r = 0; r < this.heard.length; r++) {
      const quietMs = now - (this.heard[r] as number);
      if (!judge || r === host.self || this.silent[r] || quietMs < host.tuning.heartbeatTimeoutMs) continue;
      this.silent[r] = true;
      this.suspect(r, `silent for ${Math.round(quietMs)} ms`);
    }
    host.setTimer(host.tuning.heartbeatMs, { kind: 'gm.beat', view: host.view.id });
  }
}
