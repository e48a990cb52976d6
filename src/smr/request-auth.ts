/**
 * Client authenticators on requests (Castro and Liskov, PBFT, OSDI 1999 §4.1 and §5.2; TOCS
 * 2002): the client computes one MAC per replica, under the key it shares with that replica,
 * over the canonical encoding of its request, and sends the vector with every transmission.
 * Each replica checks only its own entry. Channels authenticate a request hop by hop only; the
 * authenticator travels with the request inside protocol messages (pre-prepares, relays), so a
 * backup can check that the client really sent a request that the primary proposes.
 *
 * The MAC covers a domain-separation prefix and then client, requestId, lowWater, readOnly and
 * op: no other message's MAC (PBFT's authenticators, the transport's) covers these bytes.
 */
import { MAC_BYTES, type CryptoSuite } from '../core/crypto-suite.js';
import type { ClientRequest } from '../core/env.js';
import type { NodeId } from '../core/ids.js';
import { encodeBody } from '../codec/frame.js';
import { struct } from '../codec/schema.js';
import { requestCoreFields } from './messages.js';

/** A request without its authenticator: what the authenticator covers. */
export type RequestCore = Omit<ClientRequest, 'auth'>;

const DOMAIN = new TextEncoder().encode('bulwark/client-request/v1\0');
const requestCoreSchema = struct('RequestCore', requestCoreFields);

/** The bytes every MAC of a request's authenticator covers. */
export function requestAuthBytes(core: RequestCore): Uint8Array {
  const body = encodeBody(requestCoreSchema, core);
  const out = new Uint8Array(DOMAIN.length + body.length);
  out.set(DOMAIN);
  out.set(body, DOMAIN.length);
  return out;
}

/** The client's side: one MAC for each replica, in the order of `replicas` (the group's rank order). */
export function authenticateRequest(
  crypto: CryptoSuite,
  replicas: readonly NodeId[],
  core: RequestCore,
): Uint8Array[] {
  const bytes = requestAuthBytes(core);
  return replicas.map((replica) => crypto.mac(replica, bytes));
}

/**
 * A replica's side: whether entry `index` (this replica's rank; `crypto` holds its keys) is the
 * client's MAC over the request. False, never a throw, for a missing or malformed entry or an
 * unknown client.
 */
export function verifyRequestFor(crypto: CryptoSuite, index: number, request: ClientRequest): boolean {
  const tag = request.auth[index];
  if (tag === undefined || tag.byteLength !== MAC_BYTES) return false;
  return crypto.verifyMac(request.client, requestAuthBytes(request), tag);
}
