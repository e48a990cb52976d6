/** RESP2 replies, encoded once into bytes: simple strings, errors, integers, bulk strings and arrays. */
import type { KvResult } from '../kv/ops.js';

const CRLF = '\r\n';

export const OK = Buffer.from('+OK\r\n');
export const NIL = Buffer.from('$-1\r\n');
export const EMPTY_ARRAY = Buffer.from('*0\r\n');
export const PONG = Buffer.from('+PONG\r\n');

/** A simple string or error may not contain CR or LF: Redis replaces them with spaces, and so do we. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

export function simple(text: string): Buffer {
  return Buffer.from(`+${oneLine(text)}${CRLF}`);
}

/** An error reply; `message` starts with its code (ERR, WRONGTYPE, NOPROTO...). */
export function error(message: string): Buffer {
  return Buffer.from(`-${oneLine(message)}${CRLF}`);
}

export function integer(n: bigint | number): Buffer {
  return Buffer.from(`:${n}${CRLF}`);
}

export function bulk(value: Uint8Array | string | undefined): Buffer {
  if (value === undefined) return NIL;
  const body =
    typeof value === 'string'
      ? Buffer.from(value)
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.concat([Buffer.from(`$${body.length}${CRLF}`), body, Buffer.from(CRLF)]);
}

/** An array of replies that are already encoded. */
export function array(items: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${items.length}${CRLF}`), ...items]);
}

/** A key-value result as Redis would answer it. */
export function renderResult(r: KvResult): Buffer {
  switch (r.kind) {
    case 'ok':
      return OK;
    case 'nil':
      return NIL;
    case 'bulk':
      return bulk(r.value);
    case 'int':
      return integer(r.value);
    case 'array':
      return array(r.values.map(bulk));
    case 'error':
      return error(r.message);
  }
}
