/**
 * The safety properties of seed 003's reliable multicast and total order, checked the moment each
 * delivery or suspicion is observed, so a violation is caught at the step that causes it. Only
 * what correct members do is judged; a member that crashed was correct up to its crash.
 *
 * - integrity: a correct member delivers a message at most once, and one from a correct sender
 *   only if that sender multicast it (same bytes, same guarantee);
 * - fifo: a correct member delivers each sender's messages in the order they were sent;
 * - total-order: correct members deliver totally ordered messages in one and the same sequence;
 * - agreement (contents): no two correct members deliver different messages under one (sender,
 *   sequence number) (the rest of agreement is judged at the end: outcome.ts);
 * - accuracy: a correct member never suspects a correct member on evidence, and on a timeout only
 *   while the network may still be bad (before stabilization plus a grace period).
 */
import { TIMEOUT_CODES } from '../../protocols/itua/index.js';
import { fingerprint } from '../checkers/checker.js';
import { parseAppData, type GroupCheckContext, type GroupObservation } from './observations.js';

export interface GroupChecker {
  readonly name: string;
  /** A violation message, or undefined. */
  observe(obs: GroupObservation, ctx: GroupCheckContext): string | undefined;
}

type Delivered = Extract<GroupObservation, { kind: 'deliver' }>;

/** The deliveries of correct members: every safety checker looks only at those. */
function correctDelivery(obs: GroupObservation, ctx: GroupCheckContext): Delivered | undefined {
  return obs.kind === 'deliver' && ctx.isCorrect(obs.member) ? obs : undefined;
}

export function integrityChecker(): GroupChecker {
  const multicast = new Map<string, string>();
  const seen = new Set<string>();
  return {
    name: 'integrity',
    observe(obs, ctx) {
      if (obs.kind === 'multicast') {
        multicast.set(`${obs.member}:${obs.index}`, `${obs.guarantee}/${fingerprint(obs.data)}`);
        return undefined;
      }
      const o = correctDelivery(obs, ctx);
      if (o === undefined) return undefined;
      const d = o.delivery;
      const bySeq = `${o.member}|${o.view ?? 0}/${d.sender}:${d.seq}`;
      if (seen.has(bySeq)) return `member ${o.member} delivered ${d.sender}:${d.seq} twice`;
      seen.add(bySeq);
      if (!ctx.isCorrect(d.sender)) return undefined;
      const id = parseAppData(d.data);
      const sent = id?.origin === d.sender ? multicast.get(`${d.sender}:${id.index}`) : undefined;
      if (id === undefined || sent !== `${d.guarantee}/${fingerprint(d.data)}`) {
        return `member ${o.member} delivered ${d.sender}:${d.seq} (${d.guarantee}), which correct member ${d.sender} never multicast`;
      }
      const byIndex = `${o.member}|${d.sender}#${id.index}`;
      if (seen.has(byIndex)) return `member ${o.member} delivered multicast ${d.sender}#${id.index} twice`;
      seen.add(byIndex);
      return undefined;
    },
  };
}

export function fifoChecker(): GroupChecker {
  const lastSeq = new Map<string, number>();
  const lastIndex = new Map<string, number>();
  return {
    name: 'fifo',
    observe(obs, ctx) {
      const o = correctDelivery(obs, ctx);
      if (o === undefined) return undefined;
      const d = o.delivery;
      const key = `${o.member}|${d.sender}`;
      // Sequence numbers start again in every view; application indexes never do.
      const seqKey = `${key}|${o.view ?? 0}`;
      const prev = lastSeq.get(seqKey) ?? 0;
      if (d.seq <= prev) return `member ${o.member} delivered ${d.sender}:${d.seq} after ${d.sender}:${prev}`;
      lastSeq.set(seqKey, d.seq);
      const id = parseAppData(d.data);
      if (!ctx.isCorrect(d.sender) || id === undefined) return undefined;
      const prevIndex = lastIndex.get(key) ?? -1;
      if (id.index <= prevIndex) {
        return `member ${o.member} delivered multicast ${d.sender}#${id.index} after ${d.sender}#${prevIndex}`;
      }
      lastIndex.set(key, id.index);
      return undefined;
    },
  };
}

/**
 * Total order, pairwise: any two totally ordered messages that two correct members both deliver
 * are delivered in the same order by both. A member removed from the group (cut off while the
 * network was bad) may have delivered a few messages the others never will, or miss some; what
 * the members still together deliver is held to the same sequence by agreement (outcome.ts).
 */
export function totalOrderChecker(): GroupChecker {
  const sequences = new Map<number, string[]>();
  const positions = new Map<number, Map<string, number>>();
  return {
    name: 'total-order',
    observe(obs, ctx) {
      const o = correctDelivery(obs, ctx);
      if (o === undefined || o.delivery.guarantee !== 'total') return undefined;
      const key = `${o.view ?? 0}/${o.delivery.sender}:${o.delivery.seq}`;
      const mine = sequences.get(o.member) ?? [];
      const at = positions.get(o.member) ?? new Map<string, number>();
      sequences.set(o.member, mine);
      positions.set(o.member, at);
      const i = mine.length;
      mine.push(key);
      at.set(key, i);
      for (const [q, theirs] of sequences) {
        const j = positions.get(q)?.get(key);
        if (q === o.member || j === undefined) continue;
        // Anything q delivered after this message that I delivered before it is an inversion.
        for (let k = j + 1; k < theirs.length; k++) {
          const mineAt = at.get(theirs[k] as string);
          if (mineAt !== undefined && mineAt < i) {
            return `member ${o.member} delivered ${theirs[k]} before ${key}, member ${q} after it`;
          }
        }
      }
      return undefined;
    },
  };
}

export function contentAgreementChecker(): GroupChecker {
  const contents = new Map<string, { what: string; member: number }>();
  return {
    name: 'agreement',
    observe(obs, ctx) {
      const o = correctDelivery(obs, ctx);
      if (o === undefined) return undefined;
      const d = o.delivery;
      const key = `${o.view ?? 0}/${d.sender}:${d.seq}`;
      const what = `${d.guarantee}/${d.order ?? '-'}/${fingerprint(d.data)}`;
      const first = contents.get(key);
      if (first === undefined) contents.set(key, { what, member: o.member });
      else if (first.what !== what) {
        return `members ${first.member} and ${o.member} delivered different messages as ${key} (${first.what} vs ${what})`;
      }
      return undefined;
    },
  };
}

export function accuracyChecker(): GroupChecker {
  return {
    name: 'accuracy',
    observe(obs, ctx) {
      if (obs.kind !== 'suspect' || !ctx.isCorrect(obs.member)) return undefined;
      if (!ctx.isCorrect(obs.suspect) || !ctx.isUp(obs.suspect)) return undefined;
      const who = `member ${obs.member} suspected correct member ${obs.suspect}`;
      if (!TIMEOUT_CODES.has(obs.code)) return `${who} on evidence (${obs.code})`;
      if (ctx.now > ctx.stableAtMs + ctx.graceMs) {
        return `${who} (${obs.code}) at ${Math.round(ctx.now)} ms, after stabilization at ${ctx.stableAtMs} ms and its grace`;
      }
      return undefined;
    },
  };
}

export function groupSafetyCheckers(): GroupChecker[] {
  return [
    integrityChecker(),
    fifoChecker(),
    totalOrderChecker(),
    contentAgreementChecker(),
    accuracyChecker(),
  ];
}
