import type { Scheduler } from '../time/scheduler';

/** When a unit counts as unreachable and how often it is re-probed then (after OpenEMS's defective-device backoff). */
export interface UnitPolicy {
  /** consecutive unanswered transactions before the unit is marked unreachable */
  missesToUnreachable: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  backoffFactor: number;
}

export const DEFAULT_UNIT_POLICY: UnitPolicy = {
  missesToUnreachable: 3,
  backoffInitialMs: 2000,
  backoffMaxMs: 300000,
  backoffFactor: 2,
};

interface UnitState {
  misses: number;
  unreachable: boolean;
  backoffMs: number;
  nextProbeAt: number;
}

/** Tracks which units answer, so one dead or sleeping unit does not eat the bus. */
export class UnitHealth {
  private readonly units = new Map<string, UnitState>();
  private readonly policies: [string, UnitPolicy][] = [];

  constructor(private readonly clock: Scheduler) {}

  setPolicy(prefix: string, policy: Partial<UnitPolicy>): void {
    const merged = { ...DEFAULT_UNIT_POLICY, ...policy };
    const existing = this.policies.findIndex(([p]) => p === prefix);
    if (existing >= 0) this.policies[existing] = [prefix, merged];
    else this.policies.push([prefix, merged]);
    // longest prefix first
    this.policies.sort((a, b) => b[0].length - a[0].length);
  }

  policyFor(unit: string): UnitPolicy {
    return this.policies.find(([p]) => unit.startsWith(p))?.[1] ?? DEFAULT_UNIT_POLICY;
  }

  isUnreachable(unit: string): boolean {
    return this.units.get(unit)?.unreachable === true;
  }

  /** May a request for this unit go on the wire now? A due probe may; it moves the next probe out. */
  admit(unit: string): boolean {
    const state = this.units.get(unit);
    if (!state?.unreachable) return true;
    const now = this.clock.now();
    if (now < state.nextProbeAt) return false;
    const policy = this.policyFor(unit);
    state.backoffMs = Math.min(policy.backoffMaxMs, state.backoffMs * policy.backoffFactor);
    state.nextProbeAt = now + state.backoffMs;
    return true;
  }

  /** Would admit() let a request through now, without consuming the probe? */
  wouldAdmit(unit: string): boolean {
    const state = this.units.get(unit);
    return !state?.unreachable || this.clock.now() >= state.nextProbeAt;
  }

  /** ms until the next probe of an unreachable unit (0 when reachable or due) */
  msUntilProbe(unit: string): number {
    const state = this.units.get(unit);
    if (!state?.unreachable) return 0;
    return Math.max(0, state.nextProbeAt - this.clock.now());
  }

  answered(unit: string): void {
    this.units.delete(unit);
  }

  missed(unit: string): void {
    const policy = this.policyFor(unit);
    const state = this.units.get(unit) ?? { misses: 0, unreachable: false, backoffMs: policy.backoffInitialMs, nextProbeAt: 0 };
    state.misses += 1;
    if (!state.unreachable && state.misses >= policy.missesToUnreachable) {
      state.unreachable = true;
      state.backoffMs = policy.backoffInitialMs;
      state.nextProbeAt = this.clock.now() + state.backoffMs;
    }
    this.units.set(unit, state);
  }

  unreachableUnits(): string[] {
    return [...this.units].filter(([, s]) => s.unreachable).map(([u]) => u);
  }
}
