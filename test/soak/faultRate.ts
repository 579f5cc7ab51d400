/**
 * The late-reply rule's price: the fault soak (test/soak/faultSoak.ts) at 1 %, 5 % and 10 % of
 * each fault, reporting how many calls ended on the bus (a value, an exception, or their own
 * transport fault) and how many failed only because they waited past their queue deadline behind
 * the quiet line. Figures in docs/RELIABILITY.md ("The late-reply rule and its price").
 *   npm run build && node dist/test/soak/faultRate.js [calls per run, default 1500]
 */
import { rigStalls, runFaultSoak, type SoakTransport } from './faultSoak';

const SHARES = [0.01, 0.05, 0.1];
const TRANSPORTS: SoakTransport[] = ['pty', 'tcp-rtu'];

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 1500);
  const rows: string[] = ['| transport | faults (each kind) | calls | answered | failed: own fault | failed: queue deadline | wrong values | overlaps | early | simulator stalls | s |', '|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const share of SHARES) {
    const results = await Promise.all(TRANSPORTS.map((transport, i) => runFaultSoak({ transport, transactions: calls, faultShare: share, seed: 31 + i })));
    for (const r of results) {
      const deadline = r.errors.deadline ?? 0;
      // own: its exchange failed (timeout, CRC, truncated, exception) or its unit was marked unreachable
      const own = Object.values(r.errors).reduce((a, b) => a + b, 0) - deadline;
      const pct = (n: number): string => `${((100 * n) / r.calls).toFixed(1)} %`;
      rows.push(`| ${r.transport} | ${(share * 100).toFixed(0)} % | ${r.calls} | ${pct(r.ok)} | ${pct(own)} | ${pct(deadline)} | ${r.wrongValues} | ${r.overlaps} | ${r.earlyRequests} | ${rigStalls(r)} | ${r.seconds.toFixed(1)} |`);
    }
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
