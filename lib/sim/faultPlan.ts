/**
 * Which injected fault, if any, hits the next request: a list of rules, each limited to a unit,
 * a number of requests and/or a probability. The first rule that fires wins.
 */

export type ModbusFault = 'no-answer' | 'bad-crc' | 'truncated' | 'slow' | 'exception';

export interface FaultScope {
  /** only requests to this unit; all served units when omitted */
  unit?: number;
  /** only the next `count` requests the rule fires on; until clearFaults() when omitted */
  count?: number;
  /** fires on this share (0..1) of matching requests; all of them when omitted */
  probability?: number;
}

interface FaultRule {
  fault: ModbusFault;
  unit?: number;
  remaining: number;
  probability: number;
}

export class FaultPlan {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  inject(fault: ModbusFault, scope: FaultScope = {}): void {
    const { unit, count, probability = 1 } = scope;
    if (count !== undefined && !(Number.isInteger(count) && count > 0)) throw new RangeError(`fault count must be a positive integer, got ${count}`);
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`fault probability must be within 0..1, got ${probability}`);
    this.rules.push({ fault, unit, remaining: count ?? Infinity, probability });
  }

  clear(): void {
    this.rules = [];
  }

  /** the fault for this request, consuming one use of the rule that fires */
  take(unit: number): ModbusFault | null {
    for (const rule of this.rules) {
      if (rule.unit !== undefined && rule.unit !== unit) continue;
      if (rule.probability < 1 && this.random() >= rule.probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      return rule.fault;
    }
    return null;
  }
}
