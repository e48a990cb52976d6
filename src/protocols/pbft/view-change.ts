/**
 * View changes (OSDI §4.4, liveness rules of §4.5.2). A backup whose request timer expired, or
 * that holds proof the primary is faulty, stops taking part in view v and multicasts a signed
 * view-change for v+1 with its stable checkpoint proof and its P and Q sets (TOCS, the view
 * change without signatures on prepares: what it prepared, and what it pre-prepared, in the
 * latest views). It resends it until the new view starts. Once 2f+1 replicas want v+1, it waits
 * for the new-view for a timeout T; if none comes it moves on to v+2 with 2T, and so on. A
 * replica that sees f+1 view-changes for higher views joins the smallest of them (they cannot
 * all be faulty), and faulty replicas alone cannot force a view change.
 */
import type { NodeId } from '../../core/ids.js';
import { viewChangeBytes } from './certificates.js';
import { learnProof } from './checkpoints.js';
import type { Entry, ViewChange, ViewChangeBody } from './messages.js';
import { maybeSendNewView } from './new-view.js';
import type { PbftState } from './state.js';
import { checkViewChangeBody } from './validate.js';

export function startViewChange(r: PbftState, target: number): void {
  if (target < r.view || (target === r.view && !r.active)) return;
  r.env.log.log('info', 'pbft-view-change', { from: r.view, to: target, failures: r.failures });
  r.view = target;
  r.active = false;
  r.newView = undefined;
  r.failures++;
  r.counters.viewChanges++;
  r.requestTimerView = undefined;
  r.viewChangeTimerView = undefined;
  r.myViewChange = buildViewChange(r);
  r.viewChanges.set(r.self, r.myViewChange);
  r.env.broadcast(r.myViewChange);
  r.env.setTimer(r.t.viewChangeResendMs, { kind: 'vcResend', view: target });
  afterViewChangeStored(r);
}

/** ⟨VIEW-CHANGE, v+1, h, proof, P, Q, i⟩ signed by this replica. */
function buildViewChange(r: PbftState): ViewChange {
  const prepared: Entry[] = [];
  const prePrepared: Entry[] = [];
  for (const s of r.log.ordered()) {
    if (s.seq <= r.h || s.seq > r.high) continue;
    if (s.p !== undefined && s.p.view < r.view)
      prepared.push({ seq: s.seq, digest: s.p.digest, view: s.p.view });
    const q = [...s.q.values()].filter((e) => e.view < r.view).sort((a, b) => (a.hex < b.hex ? -1 : 1));
    for (const e of q) prePrepared.push({ seq: s.seq, digest: e.digest, view: e.view });
  }
  const body = {
    view: r.view,
    replica: r.self,
    stableSeq: r.h,
    stableDigest: r.stableDigest,
    proof: r.stableProof.map((m) => ({ replica: m.replica, sig: m.sig })),
    prepared,
    prePrepared,
  };
  return { kind: 'viewChange', ...body, sig: r.env.crypto.sign(viewChangeBytes(body)) };
}

export function onViewChange(r: PbftState, from: NodeId, m: ViewChange): void {
  if (!r.isMember(from)) return r.suspect(from, 'NOT_MEMBER');
  if (m.replica !== from) return r.suspect(from, 'FORGED_SENDER');
  if (m.view < r.view || (m.view === r.view && r.active)) return helpLaggard(r, from);
  const old = r.viewChanges.get(from);
  if (old !== undefined && (old.view > m.view || (old.view === m.view && old.stableSeq >= m.stableSeq)))
    return;
  const v = checkViewChangeBody(r, m);
  if (v.verdict !== 'accept') return r.suspect(from, v.verdict === 'reject' ? v.code : 'BAD_ENTRIES');
  r.viewChanges.set(from, m);
  learnProof(r, m.stableSeq, m.stableDigest, m.proof);
  if (joinRule(r)) return;
  afterViewChangeStored(r);
}

/** A peer is still changing to a view this replica is already in: it missed the new-view. */
function helpLaggard(r: PbftState, peer: NodeId): void {
  if (r.active && r.newView !== undefined && r.mayServe('newView', peer, r.t.viewChangeResendMs / 2))
    r.env.send(peer, r.newView);
}

/** OSDI §4.5.2: f+1 view-changes for views above ours: join the smallest view f+1 of them reached. */
function joinRule(r: PbftState): boolean {
  const views: number[] = [];
  for (const [node, vc] of r.viewChanges) if (node !== r.self && vc.view > r.view) views.push(vc.view);
  if (views.length < r.weak) return false;
  views.sort((a, b) => b - a);
  startViewChange(r, views[r.weak - 1] as number);
  return true;
}

/** Replicas whose latest view-change is for `view` or a higher one. */
function countAtLeast(r: PbftState, view: number): number {
  let n = 0;
  for (const vc of r.viewChanges.values()) if (vc.view >= view) n++;
  return n;
}

/**
 * 2f+1 replicas left the views below this one: start waiting for its new-view (T, doubled per
 * failed attempt). OSDI §4.5.2 counts view-changes for this very view; a replica that already
 * moved on to a higher one counts too, or two replicas waiting for a view that a third left
 * before its view-change reached them would wait forever.
 */
function afterViewChangeStored(r: PbftState): void {
  if (r.active) return;
  if (r.viewChangeTimerView !== r.view && countAtLeast(r, r.view) >= r.quorum) {
    r.viewChangeTimerView = r.view;
    r.env.setTimer(r.viewChangeTimeoutMs(), { kind: 'viewChange', view: r.view });
  }
  maybeSendNewView(r);
}

export function onViewChangeTimer(r: PbftState, view: number): void {
  if (view !== r.view || r.active) return;
  r.env.log.log('info', 'pbft-new-view-timeout', { view });
  startViewChange(r, view + 1);
}

/** Resend this replica's view-change until the view starts (rebuilt if its checkpoint moved). */
export function onViewChangeResend(r: PbftState, view: number): void {
  if (view !== r.view || r.active || r.myViewChange === undefined) return;
  if (r.myViewChange.stableSeq < r.h) {
    r.myViewChange = buildViewChange(r);
    r.viewChanges.set(r.self, r.myViewChange);
  }
  r.env.broadcast(r.myViewChange);
  r.env.setTimer(r.t.viewChangeResendMs, { kind: 'vcResend', view });
  maybeSendNewView(r);
}

/** The view-changes this replica holds for `view`, one per replica, in replica order. */
export function viewChangesFor(r: PbftState, view: number): ViewChangeBody[] {
  const out: ViewChangeBody[] = [];
  for (const vc of r.viewChanges.values()) if (vc.view === view) out.push(vc);
  return out.sort((a, b) => a.replica - b.replica);
}
