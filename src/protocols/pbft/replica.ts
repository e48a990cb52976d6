/**
 * A PBFT replica (Castro and Liskov, OSDI 1999; TOCS 2002): the one place that dispatches
 * messages and timers to the handlers of normal-case.ts, checkpoints.ts, view-change.ts,
 * new-view.ts, catch-up.ts and requests.ts, which share one PbftState. README.md maps each
 * handler to the section of the papers it implements.
 */
import type {
  ClientRequest,
  OrderingProtocol,
  ProtocolConfig,
  ProtocolStatus,
  TimerKey,
} from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import {
  broadcastStatus,
  onBatch,
  onDecided,
  onFetch,
  onFetchTimer,
  onStatus,
  onStatusTimer,
} from './catch-up.js';
import { onCheckpoint, onExecuted, onStateInstalled, onStateWait } from './checkpoints.js';
import type { PbftMessage } from './messages.js';
import { onNewView } from './new-view.js';
import { onFlush, onPrePrepare, onVote } from './normal-case.js';
import { onForwardedRequest, onRequestTimer, submitRequest } from './requests.js';
import { PbftState, type PbftEnv } from './state.js';
import { onViewChange, onViewChangeResend, onViewChangeTimer } from './view-change.js';

type PbftTimer =
  | { kind: 'flush'; view: number }
  | { kind: 'request'; view: number }
  | { kind: 'viewChange'; view: number }
  | { kind: 'vcResend'; view: number }
  | { kind: 'fetch' }
  | { kind: 'status' }
  | { kind: 'stateWait'; seq: number };

export class PbftReplica implements OrderingProtocol<PbftMessage> {
  readonly state: PbftState;

  constructor(env: PbftEnv, config: ProtocolConfig) {
    this.state = new PbftState(env, config);
  }

  start(): void {
    // A restarted replica learns the view and the stable checkpoint from the answers to this.
    broadcastStatus(this.state);
    this.state.env.setTimer(this.state.t.statusMs, { kind: 'status' });
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
    return this.state.primary;
  }

  status(): ProtocolStatus {
    const s = this.state;
    return {
      view: s.view,
      leader: s.primary,
      counters: { ...s.counters, lastExecuted: s.lastDelivered, stableCheckpoint: s.h },
    };
  }

  onMessage(from: NodeId, m: PbftMessage): void {
    const s = this.state;
    switch (m.kind) {
      case 'request':
        return onForwardedRequest(s, from, m);
      case 'prePrepare':
        return onPrePrepare(s, from, m);
      case 'prepare':
      case 'commit':
        return onVote(s, from, m);
      case 'checkpoint':
        return onCheckpoint(s, from, m);
      case 'viewChange':
        return onViewChange(s, from, m);
      case 'newView':
        return onNewView(s, from, m);
      case 'fetch':
        return onFetch(s, from, m);
      case 'decided':
        return onDecided(s, from, m);
      case 'batch':
        return onBatch(s, from, m);
      case 'status':
        return onStatus(s, from, m);
    }
  }

  onTimer(timer: TimerKey): void {
    const s = this.state;
    const t = timer as PbftTimer;
    switch (t.kind) {
      case 'flush':
        return onFlush(s);
      case 'request':
        return onRequestTimer(s, t.view);
      case 'viewChange':
        return onViewChangeTimer(s, t.view);
      case 'vcResend':
        return onViewChangeResend(s, t.view);
      case 'fetch':
        return onFetchTimer(s);
      case 'status':
        return onStatusTimer(s);
      case 'stateWait':
        return onStateWait(s, t.seq);
    }
  }
}
