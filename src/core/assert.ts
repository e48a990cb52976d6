/**
 * `assert` guards Bulwark's own invariants: a failure is our bug, never a peer's doing.
 * Input from other processes is validated and rejected with a typed verdict instead.
 */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new InvariantError(`${message}: ${String(value)}`);
}
