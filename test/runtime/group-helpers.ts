// Shared by the tests that run ITUA members over real TCP: timers generous enough that a member
// starved of CPU on a busy 2-core machine is not taken for a crashed or stalling one. The faults
// these tests inject are caught by evidence (signatures), not by timeouts, so nothing waits longer.
export const SLOW_MACHINE: Readonly<Record<string, number>> = {
  stabilityTimeoutMs: 4_000,
  stallMs: 4_000,
  heartbeatTimeoutMs: 4_000,
  newViewTimeoutMs: 4_000,
  commitTimeoutMs: 4_000,
  readyTimeoutMs: 4_000,
  stabilizeTimeoutMs: 4_000,
};
