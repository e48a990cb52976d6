/**
 * The no-membership stand-in for the group member: the `GroupMemberApi` contract (group-api.ts)
 * over one `ItuaStack` for view 0, with no views after it, no exclusion and no joins. Suspicions
 * leave through `env.suspect` and go no further. It lets the TCP runtime and `GroupChannel` be
 * built and tested before the real member (`member.ts`) exists, and stays useful wherever a stack
 * without membership is wanted (a baseline).
 */
import type { Env, Protocol } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { GroupEvent, GroupMemberApi, GroupMemberConfig, GroupView } from './group-api.js';
import type { ItuaMessage } from './messages.js';
import { ItuaStack } from './stack.js';
import type { ItuaTimer } from './timers.js';
import type { GroupDelivery, Guarantee } from './total.js';

export class SingleViewMember implements Protocol<ItuaMessage, ItuaTimer>, GroupMemberApi {
  private readonly stack: ItuaStack | undefined;
  private readonly view: GroupView;
  private left = false;

  constructor(
    private readonly env: Env<ItuaMessage, ItuaTimer, GroupEvent>,
    config: GroupMemberConfig,
  ) {
    this.view = { id: 0, members: [...config.members] };
    // A node that is not in view 0 cannot join without membership: it stays outside, silent.
    if (config.joining === true || !config.members.includes(env.self)) return;
    const members = this.view.members;
    this.stack = new ItuaStack(
      {
        ...env,
        deliver: (d: GroupDelivery) => this.onDeliver(members, d),
      },
      { view: 0, members, tuning: config.tuning },
    );
  }

  start(): void {
    if (this.stack === undefined) return;
    this.stack.start();
    this.env.deliver({ kind: 'view', view: this.view, transitional: false, joined: [], left: [] });
  }

  onMessage(from: NodeId, m: ItuaMessage): void {
    if (!this.left) this.stack?.onMessage(from, m);
  }

  onTimer(t: ItuaTimer): void {
    if (!this.left) this.stack?.onTimer(t);
  }

  multicast(guarantee: Guarantee, data: Uint8Array): boolean {
    if (this.left || this.stack === undefined) return false;
    return this.stack.multicast(guarantee, data);
  }

  /** Without membership nobody installs a view without me: I simply stop taking part. */
  leave(): void {
    if (this.left || this.stack === undefined) return;
    this.left = true;
    this.env.deliver({ kind: 'excluded', view: 0, reason: 'left' });
  }

  currentView(): GroupView | undefined {
    return this.left || this.stack === undefined ? undefined : this.view;
  }

  private onDeliver(members: readonly NodeId[], d: GroupDelivery): void {
    const sender = members[d.sender];
    if (sender === undefined || this.left) return;
    this.env.deliver({ kind: 'deliver', view: 0, sender, guarantee: d.guarantee, data: d.data });
  }
}
