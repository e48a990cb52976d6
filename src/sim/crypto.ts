/** The crypto of simulated worlds: a none-mode keyring per seed, or real keys when asked. */
import type { CryptoSuite } from '../core/crypto-suite.js';
import { CLIENT_ID_MIN, replicaIds, type NodeId } from '../core/ids.js';
import { createCryptoSuite, NoneKeyring } from '../crypto/index.js';

export function noneCryptoFor(n: number, clients: number): (seed: number) => (node: NodeId) => CryptoSuite {
  const ids = [...replicaIds(n), ...Array.from({ length: clients }, (_, i) => CLIENT_ID_MIN + i)];
  return (seed) => {
    const keyring = NoneKeyring.fromSeed(seed, ids);
    const suites = new Map<NodeId, CryptoSuite>();
    return (node) => {
      let s = suites.get(node);
      if (s === undefined) {
        s = createCryptoSuite({ mode: 'none', context: 'sim', self: node, keyring });
        suites.set(node, s);
      }
      return s;
    };
  };
}
