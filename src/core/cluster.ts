/**
 * The shape of a cluster: who the members are, where they listen, and their public keys. This is
 * what `bulwark keygen` writes as a cluster file (config/cluster-file.ts reads and writes the
 * YAML) and what the runtime hands to the transport and the crypto suite.
 *
 * Each member and client has two key pairs: an Ed25519 key for signatures that third parties
 * check, and an X25519 static key for the Noise handshake and for the pairwise MAC keys
 * (X25519 + HKDF). Public keys are raw 32-byte values.
 */
import type { CryptoMode } from './crypto-suite.js';
import type { NodeId } from './ids.js';

export interface PublicIdentity {
  readonly id: NodeId;
  /** Ed25519 public key, 32 raw bytes. */
  readonly signPublicKey: Uint8Array;
  /** X25519 public key, 32 raw bytes. */
  readonly dhPublicKey: Uint8Array;
}

export interface MemberSpec extends PublicIdentity {
  readonly host: string;
  readonly port: number;
}

export interface ClusterSpec {
  /** Bound into every handshake, so keys of one cluster cannot talk to another. */
  readonly name: string;
  readonly crypto: CryptoMode;
  /** Encrypt frames on the wire (authentication is always on). */
  readonly encryption: boolean;
  /** The ordering protocol (stated in the cluster file, or planned from its QoS by config/). */
  readonly protocol: string;
  readonly f: number;
  /** Protocol tuning by name (ProtocolConfig.tuning), the same for every replica. */
  readonly tuning?: Readonly<Record<string, number>>;
  readonly members: readonly MemberSpec[];
  /** Clients allowed to connect. */
  readonly clients: readonly PublicIdentity[];
  /**
   * The administrator: a client whose Ed25519 signature makes a reconfiguration valid
   * (smr/switching). Absent: nobody can switch the cluster.
   */
  readonly admin?: PublicIdentity;
}

/** Every client identity that may connect: the clients and the administrator. */
export function clientIdentities(spec: ClusterSpec): PublicIdentity[] {
  return spec.admin === undefined ? [...spec.clients] : [...spec.clients, spec.admin];
}

/** A member's or client's private keys, as kept in its key file (mode 0600). */
export interface PrivateIdentity {
  readonly id: NodeId;
  /** Ed25519 private key seed, 32 raw bytes. */
  readonly signPrivateKey: Uint8Array;
  /** X25519 private key, 32 raw bytes. */
  readonly dhPrivateKey: Uint8Array;
}
