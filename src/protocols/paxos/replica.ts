/**
 * A Multi-Paxos replica (Lamport, "Paxos Made Simple", 2001): the one place that validates and
 * dispatches messages and timers to the handlers of acceptor.ts, election.ts, proposer.ts,
 * learner.ts, checkpoints.ts and catch-up.ts, which share one PaxosState. README.md maps each
 * handler to the section of the paper it implements.
 */
import type {
  ClientRequest,
  OrderingProtocol,
  ProtocolConfig,
  ProtocolStatus,
  TimerKey,
} from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { onAccept, onPrepare } from './acceptor.js';
import { catchUpTick, onDecided, onFetch, onStable } from './catch-up.js';
import { checkpointTick, onCheckpoint, onExecuted, onStateInstalled } from './checkpoints.js';
import { electionTick, onPromise, resetElectionTimer } from './election.js';
import { onCommit } from './learner.js';
import type { PaxosMessage } from './messages.js';
import {
  enqueue,
  leaderTick,
  onAccepted,
  onFlush,
  onNack,
  sendHeartbeat,
  submitRequest,
} from './proposer.js';
import { PaxosState, type PaxosEnv } from './state.js';
import { validate } from './validate.js';

type PaxosTimer = { kind: 'tick' } | { kind: 'flush' };

export class PaxosReplica implements OrderingProtocol<PaxosMessage> {
  readonly state: PaxosState;

  constructor(env: PaxosEnv, config: ProtocolConfig) {
    this.state = new PaxosState(env, config);
  }

  start(): void {
    const r = this.state;
    r.progressAtMs = r.env.now();
    resetElectionTimer(r);
    // Rank 0 owns the initial ballot, below which there is none: it leads without phase 1.
    if (r.rank === 0) {
      r.role = 'leader';
      sendHeartbeat(r);
    }
    r.env.setTimer(r.t.tickMs, { kind: 'tick' });
  }

  submit(request: ClientRequest): void {
    submitRequest(this.state, request);
  }

  onExecuted(seq: number, stateDigest: Uint8Array | undefined): void {
    onExecuted(this.state, seq, stateDigest);
  }

  onStateInstalled(seq: number): void {
    onStateInstalled(this.state, seq);
  }

  leaderHint(): NodeId {
    return this.state.leader;
  }

  status(): ProtocolStatus {
    const s = this.state;
    return {
      view: s.promised.round,
      leader: s.leader,
      counters: { ...s.counters, lastExecuted: s.lastDelivered, stableCheckpoint: s.stableSeq },
    };
  }

  onMessage(from: NodeId, m: PaxosMessage): void {
    const r = this.state;
    const v = validate(r, from, m);
    if (v.verdict === 'reject') return r.suspect(from, v.code);
    if (v.verdict === 'ignore') return;
    switch (m.kind) {
      case 'forward':
        return enqueue(r, m.request);
      case 'prepare':
        return onPrepare(r, from, m);
      case 'promise':
        return onPromise(r, from, m);
      case 'accept':
        return onAccept(r, from, m);
      case 'accepted':
        return onAccepted(r, from, m);
      case 'commit':
        return onCommit(r, from, m);
      case 'nack':
        return onNack(r, m);
      case 'checkpoint':
        return onCheckpoint(r, from, m);
      case 'fetch':
        return onFetch(r, from, m);
      case 'decided':
        return onDecided(r, m);
      case 'stable':
        return onStable(r, from, m);
    }
  }

  onTimer(timer: TimerKey): void {
    const r = this.state;
    const t = timer as PaxosTimer;
    if (t.kind === 'flush') return onFlush(r);
    if (t.kind !== 'tick') return;
    r.env.setTimer(r.t.tickMs, { kind: 'tick' });
    leaderTick(r);
    electionTick(r);
    catchUpTick(r);
    checkpointTick(r);
  }
}
