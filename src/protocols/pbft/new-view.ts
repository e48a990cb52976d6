/**
 * New views (OSDI §4.4). The primary of view v+1, holding 2f+1 valid view-changes for it, runs
 * the decision procedure (decision.ts) and multicasts a signed new-view that carries the
 * view-changes and the pre-prepares they decide; it waits for more view-changes while they do not
 * decide. Every replica checks the signatures and proofs and runs the procedure again on the
 * carried view-changes: a new-view whose pre-prepares differ is rejected and its primary replaced.
 * Entering the view: adopt the checkpoint (executing up to it, or by state transfer), pre-prepare
 * what was decided (backups multicast prepares for each), and go on with the normal case.
 */
import type { NodeId } from '../../core/ids.js';
import { newViewBytes } from './certificates.js';
import { armFetch, noteSeen } from './catch-up.js';
import { learnProof } from './checkpoints.js';
import { decideNewView, sameSlots, type Decision } from './decision.js';
import { executeReady } from './execution.js';
import type { NewView } from './messages.js';
import { acceptPrePrepare, propose } from './normal-case.js';
import { armRequestTimer, forwardPending } from './requests.js';
import type { PbftState } from './state.js';
import { checkNewView } from './validate.js';
import { startViewChange, viewChangesFor } from './view-change.js';
import { hex } from '../../core/bytes.js';

function decide(r: PbftState, nv: Pick<NewView, 'viewChanges'>): Decision | undefined {
  return decideNewView(nv.viewChanges, { f: r.f, logSize: r.t.logSize, nullDigest: r.nullDigest });
}

/** The new primary: once its view-changes decide, multicast the new-view and enter the view. */
export function maybeSendNewView(r: PbftState): void {
  if (r.active || r.primaryOf(r.view) !== r.self) return;
  const viewChanges = viewChangesFor(r, r.view);
  if (viewChanges.length < r.quorum) return;
  const decision = decide(r, { viewChanges });
  if (decision === undefined) {
    r.env.log.log('debug', 'pbft-new-view-undecided', { view: r.view, viewChanges: viewChanges.length });
    return;
  }
  const body = { view: r.view, viewChanges, prePrepares: [...decision.slots] };
  const nv: NewView = { kind: 'newView', ...body, sig: r.env.crypto.sign(newViewBytes(body)) };
  r.env.broadcast(nv);
  installNewView(r, nv, decision);
}

export function onNewView(r: PbftState, from: NodeId, nv: NewView): void {
  if (!r.isMember(from)) return r.suspect(from, 'NOT_MEMBER');
  if (nv.view < r.view || (nv.view === r.view && r.active)) return;
  const v = checkNewView(r, nv);
  let code = v.verdict === 'reject' ? v.code : undefined;
  let decision: Decision | undefined;
  if (v.verdict === 'accept') {
    decision = decide(r, nv);
    if (decision === undefined || !sameSlots(decision.slots, nv.prePrepares)) code = 'NEW_VIEW_MISMATCH';
  }
  if (code === undefined && decision !== undefined) return installNewView(r, nv, decision);
  if (code === 'BAD_SIGNATURE') return r.suspect(from, code);
  // Signed by the primary of nv.view, yet not what its view-changes decide: that primary is faulty.
  const primary = r.primaryOf(nv.view);
  r.suspect(primary, code ?? 'BAD_NEW_VIEW');
  r.env.log.log('warn', 'pbft-bad-new-view', { view: nv.view, primary, code: code ?? '' });
  // Only the new-view this replica waits for makes it move on; a far-future one must not drag it along.
  if (nv.view === r.view) startViewChange(r, nv.view + 1);
}

export function installNewView(r: PbftState, nv: NewView, d: Decision): void {
  r.view = nv.view;
  r.newView = nv;
  r.myViewChange = undefined;
  r.viewChangeTimerView = undefined;
  r.requestTimerView = undefined;
  r.counters.newViews++;
  for (const [node, vc] of r.viewChanges) if (vc.view <= nv.view) r.viewChanges.delete(node);
  r.env.log.log('info', 'pbft-new-view', { view: nv.view, primary: r.primary, slots: d.slots.length });
  // New batches are numbered from max-s + 1 (OSDI §4.4), by whichever replica is primary now.
  r.nextSeq = Math.max(r.h, d.maxSeq) + 1;
  r.requests.restart(r.env.now());
  // Still inactive while the checkpoint and the decided pre-prepares go in, so nothing is proposed meanwhile.
  const cp = d.checkpoint;
  if (cp.seq > r.h) learnProof(r, cp.seq, cp.digest, cp.proof);
  for (const a of d.slots) {
    if (!r.inWindow(a.seq)) continue;
    const slot = r.log.at(a.seq, r.view);
    acceptPrePrepare(r, slot, undefined, a.digest, hex(a.digest) === r.nullHex ? [] : undefined);
    const batch = slot.ppHex === undefined ? undefined : slot.batches.get(slot.ppHex);
    if (batch !== undefined) r.requests.markInFlight(batch);
  }
  r.active = true;
  forwardPending(r);
  noteSeen(r, d.maxSeq);
  armRequestTimer(r);
  propose(r);
  executeReady(r);
  armFetch(r);
}
