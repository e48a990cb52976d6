/**
 * Building a crypto suite, and the one guard that keeps mode 'none' out of real deployments.
 * Every runtime path (replica, client, gateway, bench, sim) builds its suite here, passing the
 * context it runs in, so a cluster file that says `crypto: none` cannot start a deployment.
 */
import {
  clientIdentities,
  type ClusterSpec,
  type PrivateIdentity,
  type PublicIdentity,
} from '../core/cluster.js';
import type { CryptoMode, CryptoSuite } from '../core/crypto-suite.js';
import type { NodeId } from '../core/ids.js';
import { sha256 } from './keys.js';
import { NoneKeyring } from './none-suite.js';
import { RealCryptoSuite } from './real-suite.js';

/** Who is asking for a suite: a real deployment, `bulwark bench`, or `bulwark sim`. */
export type CryptoContext = 'deployment' | 'bench' | 'sim';

/** Thrown when a context asks for a crypto mode it must not run with. */
export class CryptoModeRefused extends Error {
  override name = 'CryptoModeRefused';
  readonly mode: string;
  readonly context: CryptoContext;

  constructor(mode: string, context: CryptoContext) {
    super(
      mode === 'none'
        ? "crypto mode 'none' is accepted only by `bulwark sim` and `bulwark bench`; a real deployment must use 'real'"
        : `unknown crypto mode '${mode}'; expected 'real' (or 'none' for \`bulwark sim\` and \`bulwark bench\`)`,
    );
    this.mode = mode;
    this.context = context;
  }
}

export function isModeAllowed(mode: CryptoMode, context: CryptoContext): boolean {
  if (mode === 'real') return true;
  return mode === 'none' && (context === 'sim' || context === 'bench');
}

/** Throws CryptoModeRefused unless `mode` may run in `context`; 'none' never runs in a deployment. */
export function assertModeAllowed(mode: CryptoMode, context: CryptoContext): void {
  if (!isModeAllowed(mode, context)) throw new CryptoModeRefused(mode, context);
}

export type CryptoSuiteOptions =
  | {
      readonly mode: 'real';
      readonly context: CryptoContext;
      readonly self: PrivateIdentity;
      /** Everybody this node talks to; its own identity may be listed or not. */
      readonly peers: readonly PublicIdentity[];
      readonly clusterName: string;
    }
  | {
      readonly mode: 'none';
      readonly context: CryptoContext;
      readonly self: NodeId;
      /** Shared by every node of one simulated world (or one benchmark cluster). */
      readonly keyring: NoneKeyring;
    };

/** Builds the suite `options` describe, after checking the mode against the context. */
export function createCryptoSuite(options: CryptoSuiteOptions): CryptoSuite {
  assertModeAllowed(options.mode, options.context);
  if (options.mode === 'real') return new RealCryptoSuite(options.self, options.peers, options.clusterName);
  return options.keyring.suiteFor(options.self);
}

/**
 * The suite of one member or client of a cluster described by a cluster file. In mode 'none'
 * (benchmarks across processes) every process must agree on the keyring without sharing
 * secrets, so it is seeded from the cluster name: that is fine only because 'none' is refused
 * for deployments.
 */
export function createClusterCryptoSuite(
  spec: ClusterSpec,
  self: PrivateIdentity,
  context: CryptoContext,
): CryptoSuite {
  const everybody: PublicIdentity[] = [...spec.members, ...clientIdentities(spec)];
  if (spec.crypto === 'real') {
    return createCryptoSuite({ mode: 'real', context, self, peers: everybody, clusterName: spec.name });
  }
  assertModeAllowed(spec.crypto, context);
  const seed = Buffer.from(sha256(Buffer.from(spec.name, 'utf8'))).readUInt32BE(0);
  const keyring = NoneKeyring.fromSeed(
    seed,
    everybody.map((p) => p.id),
  );
  return createCryptoSuite({ mode: 'none', context, self: self.id, keyring });
}
