/**
 * The crypto layer's public surface: the two suites behind the CryptoSuite contract of
 * core/crypto-suite.ts, the factory with its mode guard, and the key helpers the transport and
 * the CLI reuse.
 */
export {
  dhPrivateKeyObject,
  dhPublicKeyObject,
  generateIdentity,
  hkdfSha256,
  MAC_KEY_INFO_LABEL,
  PAIRWISE_KEY_BYTES,
  pairwiseInfo,
  pairwiseMacKey,
  plainBytes,
  publicIdentityOf,
  RAW_KEY_BYTES,
  rawPrivate,
  rawPublic,
  sha256,
  signPrivateKeyObject,
  signPublicKeyObject,
  x25519,
  type GeneratedIdentity,
} from './keys.js';
export { RealCryptoSuite } from './real-suite.js';
export { NoneCryptoSuite, NoneKeyring } from './none-suite.js';
export {
  assertModeAllowed,
  createClusterCryptoSuite,
  createCryptoSuite,
  CryptoModeRefused,
  isModeAllowed,
  type CryptoContext,
  type CryptoSuiteOptions,
} from './suite.js';
