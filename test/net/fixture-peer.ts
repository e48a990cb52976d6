/** The peer process of the multi-process tests: the transport harness, driven over IPC. */
import { runPeerHarness } from '../../src/net/tcp/peer-harness.js';

runPeerHarness();
