/**
 * The one error type of the group runtime and of `GroupChannel`: a closed set of codes, so an
 * application can tell a refused configuration from a full queue or an exclusion without parsing
 * messages.
 */
export type GroupErrorCode =
  /** The cluster file, the key file or the options are wrong (the message lists every problem). */
  | 'CONFIG'
  /** This node is not on the group's authorized list. */
  | 'NOT_MEMBER'
  /** No view was installed in time (the group did not come up, or did not admit this node). */
  | 'JOIN_TIMEOUT'
  /** The data is larger than one multicast may carry. */
  | 'TOO_LARGE'
  /** Too many multicasts are waiting for the stack to accept them: the application must slow down. */
  | 'QUEUE_FULL'
  /** The application did not read deliveries and the bounded buffer overflowed: some were dropped. */
  | 'DELIVERY_OVERFLOW'
  /** The application read `events` and `deliveries`/`views` both (GroupChannel: one style or the other). */
  | 'STREAM_CHOSEN'
  /** This member was excluded from the group (suspected by the others, or it left). */
  | 'EXCLUDED'
  /** The channel was closed (left, or the process is stopping). */
  | 'CLOSED';

export class GroupError extends Error {
  override name = 'GroupError';
  constructor(
    readonly code: GroupErrorCode,
    message: string,
  ) {
    super(message);
  }
}
