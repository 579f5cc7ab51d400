/**
 * Unplug / replug (issue 7): the socat pair torn down and recreated, and the adapter renumbered
 * under a glob; the bus recovers each time within the reconnect backoff + 1 s and never reports
 * "Cannot lock port". Shortened here; `npm run soak` runs 50 cycles of each.
 */
import assert from 'node:assert/strict';
import { runReplugCycles, type ReplugReport } from './replugCycles';
import { soakLog, soakSize, soakTimeout } from './soakSize';

const CYCLES = soakSize(4, 50);

function summary(name: string, r: ReplugReport): string {
  const worst = r.cycles.reduce((w, c) => Math.max(w, c.recoveredMs - c.backoffMs), -Infinity);
  const rec = r.cycles.map((c) => c.recoveredMs).sort((a, b) => a - b);
  return `${name}: ${r.cycles.length} cycles, recovery median ${rec[Math.floor(rec.length / 2)]?.toFixed(0)} ms, max ${rec[rec.length - 1]?.toFixed(0)} ms, worst beyond the backoff ${worst.toFixed(0)} ms; reads ok ${r.readsOk}, failed ${r.readsFailed}`;
}

for (const glob of [false, true]) {
  const name = glob ? 'the adapter renumbered under a glob (ttyUSB0, ttyUSB1, … as ttyUSB*)' : 'the socat pair torn down and recreated';
  describe(`soak: ${CYCLES} unplug/replug cycles, ${name}`, function () {
    this.timeout(soakTimeout(60000));
    let report: ReplugReport;

    before(async () => {
      report = await runReplugCycles({ cycles: CYCLES, glob, seed: glob ? 5 : 4 });
      soakLog(summary(glob ? 'glob' : 'pty', report));
    });

    it('recovers every time within the reconnect backoff + 1 s', () => {
      assert.equal(report.cycles.length, CYCLES);
      for (const [i, c] of report.cycles.entries()) {
        assert.ok(c.recoveredMs <= c.backoffMs + 1000, `cycle ${i}: recovered ${c.recoveredMs.toFixed(0)} ms after the replug, backoff ${c.backoffMs.toFixed(0)} ms; failed attempts after the replug: ${c.failedAfterReplug.join('; ') || 'none'}`);
      }
    });

    it('never reports "Cannot lock port"', () => {
      assert.ok(report.messages.length > 0, 'the unplugs were noticed');
      assert.deepEqual(report.messages.filter((m) => /lock/i.test(m)), []);
    });

    if (glob) {
      it('opens the renumbered adapter each time', () => {
        report.cycles.forEach((c, i) => assert.match(c.device, new RegExp(`ttyUSB${i + 1}$`)));
      });
    }
  });
}
