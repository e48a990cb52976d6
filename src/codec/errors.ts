/**
 * Typed decode rejections. The codes form a closed set, safe as metric labels. Inside the
 * codec a failure travels as a DecodeFailure (cheap control flow); `decode` catches exactly
 * that class at its boundary and returns a result, so nothing a peer sends escapes as an
 * exception. Any other exception would be our bug, and the fuzzer reports it as an escape.
 */
export type DecodeErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'BAD_VERSION'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'UNKNOWN_TAG'
  | 'TOO_LONG'
  | 'TOO_MANY'
  | 'NON_CANONICAL'
  | 'INVALID_UTF8'
  | 'OUT_OF_RANGE';

export const DECODE_ERROR_CODES: readonly DecodeErrorCode[] = [
  'FRAME_TOO_LARGE',
  'BAD_VERSION',
  'TRUNCATED',
  'TRAILING_BYTES',
  'UNKNOWN_TAG',
  'TOO_LONG',
  'TOO_MANY',
  'NON_CANONICAL',
  'INVALID_UTF8',
  'OUT_OF_RANGE',
];

export interface DecodeError {
  readonly code: DecodeErrorCode;
  /** Byte offset in the frame where decoding stopped. */
  readonly offset: number;
  /** The schema being read (for logs; not a metric label). */
  readonly where: string;
}

export class DecodeFailure {
  constructor(
    readonly code: DecodeErrorCode,
    readonly offset: number,
    readonly where: string,
  ) {}
}
