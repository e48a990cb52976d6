import type { Checker } from './checker.js';
import { accuracyChecker } from './accuracy.js';
import { agreementChecker } from './agreement.js';
import { executionCheckers } from './execution.js';
import { livenessChecker } from './liveness.js';

/** The checkers every SMR run gets (a fresh set per run: they keep per-run state). */
export function smrCheckers(): Checker[] {
  return [agreementChecker(), ...executionCheckers(), livenessChecker(), accuracyChecker()];
}

export type { Checker, CheckContext, EndContext, Violation } from './checker.js';
