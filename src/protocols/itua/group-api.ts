/**
 * The contract between the ITUA group member (membership composed over the per-view stack,
 * `member.ts`) and what runs it: the group simulator, the TCP group runtime and `GroupChannel`.
 * A member is a pure protocol object under the protocol contract; everything it tells its
 * application leaves through `env.deliver` as a `GroupEvent`.
 */
import type { NodeId } from '../../core/ids.js';
import type { Guarantee } from './total.js';

/** A view as the application sees it: its number and its members in rank order. */
export interface GroupView {
  readonly id: number;
  readonly members: readonly NodeId[];
}

export type GroupEvent =
  /** A multicast delivered in `view`, with the guarantee its sender chose. */
  | {
      readonly kind: 'deliver';
      readonly view: number;
      readonly sender: NodeId;
      readonly guarantee: Guarantee;
      readonly data: Uint8Array;
      /** The sender's reliable sequence number in `view` (from 1), for checkers and operators. */
      readonly seq?: number;
      /** The born-order number of a totally ordered message in `view`. */
      readonly order?: number;
    }
  /**
   * A view was installed. `transitional` marks the paper's transitional view: the members that
   * went from the previous view to this one together (the messages delivered before it are the
   * same set at each of them). `joined` and `left` are relative to the previous view.
   */
  | {
      readonly kind: 'view';
      readonly view: GroupView;
      readonly transitional: boolean;
      readonly joined: readonly NodeId[];
      readonly left: readonly NodeId[];
      /**
       * How long this member took to install this view, in ms of its own clock: from the moment it
       * started the installation (it held f+1 Suspects, or a join request) to now. This is seed
       * 003's "view installation time" at one member. Absent for view 0 and for a joiner's first view.
       */
      readonly installMs?: number;
    }
  /** This member was removed from the group (suspected by the others, or it left): it says no more. */
  | { readonly kind: 'excluded'; readonly view: number; readonly reason: string };

export interface GroupMemberConfig {
  /** The initial view's members in rank order (view 0). A joining node is not among them. */
  readonly members: readonly NodeId[];
  /** Nodes whose keys are on the authorized list: only they may join (seed 003, Heal and Inter). */
  readonly authorized: readonly NodeId[];
  /** True on a node that is not a member yet and asks the group to admit it. */
  readonly joining?: boolean;
  /** Overrides of the defaults in timers.ts (and the membership timers), by name. */
  readonly tuning?: Readonly<Record<string, number>>;
}

/** What GroupChannel and the runtimes call on a member (besides the Protocol handlers). */
export interface GroupMemberApi {
  /** False when too many multicasts are in flight or no view is installed: try again later. */
  multicast(guarantee: Guarantee, data: Uint8Array): boolean;
  /** Ask to leave the group; an `excluded` event follows once the others installed a view without it. */
  leave(): void;
  /** The view installed now, or undefined while joining or after exclusion. */
  currentView(): GroupView | undefined;
}
