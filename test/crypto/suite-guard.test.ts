// Proves that crypto mode 'none' can never start a deployment while sim and bench may use it, by calling the guard and the factories with every mode and context.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterSpec } from '../../src/core/cluster.js';
import type { CryptoMode } from '../../src/core/crypto-suite.js';
import { generateIdentity } from '../../src/crypto/keys.js';
import { NoneKeyring } from '../../src/crypto/none-suite.js';
import {
  assertModeAllowed,
  createClusterCryptoSuite,
  createCryptoSuite,
  CryptoModeRefused,
  isModeAllowed,
} from '../../src/crypto/suite.js';

const REFUSAL =
  "crypto mode 'none' is accepted only by `bulwark sim` and `bulwark bench`; a real deployment must use 'real'";

function tinyCluster(crypto: CryptoMode) {
  const a = generateIdentity(0);
  const c = generateIdentity(1000);
  const spec: ClusterSpec = {
    name: 'guard',
    crypto,
    encryption: false,
    protocol: 'sequencer',
    f: 0,
    members: [{ ...a.publicIdentity, host: '127.0.0.1', port: 7100 }],
    clients: [c.publicIdentity],
  };
  return { spec, member: a.privateIdentity, client: c.privateIdentity };
}

describe('crypto mode guard', () => {
  it("refuses 'none' for a deployment with a typed error and a clear message", () => {
    assert.equal(isModeAllowed('none', 'deployment'), false);
    assert.throws(
      () => assertModeAllowed('none', 'deployment'),
      (e: unknown) => e instanceof CryptoModeRefused && e.message === REFUSAL && e.context === 'deployment',
    );
  });

  it("accepts 'none' for sim and bench, and 'real' everywhere", () => {
    assert.doesNotThrow(() => assertModeAllowed('none', 'sim'));
    assert.doesNotThrow(() => assertModeAllowed('none', 'bench'));
    for (const context of ['deployment', 'bench', 'sim'] as const) assertModeAllowed('real', context);
  });

  it('refuses an unknown mode that slipped past the types', () => {
    assert.throws(() => assertModeAllowed('fast' as CryptoMode, 'sim'), CryptoModeRefused);
  });

  it('applies the guard inside the factory', () => {
    const keyring = NoneKeyring.fromSeed(1, [0]);
    assert.throws(
      () => createCryptoSuite({ mode: 'none', context: 'deployment', self: 0, keyring }),
      CryptoModeRefused,
    );
    assert.equal(createCryptoSuite({ mode: 'none', context: 'sim', self: 0, keyring }).mode, 'none');
    const me = generateIdentity(0);
    const real = createCryptoSuite({
      mode: 'real',
      context: 'deployment',
      self: me.privateIdentity,
      peers: [me.publicIdentity],
      clusterName: 'x',
    });
    assert.equal(real.verify(0, new Uint8Array([1]), real.sign(new Uint8Array([1]))), true);
  });

  it('builds cluster suites that talk to each other, and refuses a none cluster for deployment', () => {
    const real = tinyCluster('real');
    const member = createClusterCryptoSuite(real.spec, real.member, 'deployment');
    const client = createClusterCryptoSuite(real.spec, real.client, 'deployment');
    const data = new Uint8Array([9, 9, 9]);
    assert.equal(member.verifyMac(1000, data, client.mac(0, data)), true);

    const none = tinyCluster('none');
    assert.throws(() => createClusterCryptoSuite(none.spec, none.member, 'deployment'), CryptoModeRefused);
    const benchMember = createClusterCryptoSuite(none.spec, none.member, 'bench');
    const benchClient = createClusterCryptoSuite(none.spec, none.client, 'bench');
    assert.equal(benchMember.mode, 'none');
    assert.equal(benchMember.verify(1000, data, benchClient.sign(data)), true);
  });
});
