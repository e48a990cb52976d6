/** Strict parsers for command-line options: a bad value is a clear usage error, never a NaN run. */
import { InvalidArgumentError } from 'commander';

export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const v = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}`);
    }
    return v;
  };
}

export function fraction(value: string): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new InvalidArgumentError('expected a number in 0..1');
  return v;
}

export function positive(value: string): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError('expected a positive number');
  return v;
}

export function oneOf<const T extends readonly string[]>(values: T) {
  return (value: string): T[number] => {
    if (!(values as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    }
    return value as T[number];
  };
}

/** Exits with a message on stderr: the CLI's one way to fail. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`bulwark: ${message}\n`);
  process.exit(code);
}

/** "name=value,name=value" with numeric values, for protocol tuning. */
export function tuningList(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (m === null) throw new InvalidArgumentError(`expected name=number pairs, got '${part}'`);
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}
