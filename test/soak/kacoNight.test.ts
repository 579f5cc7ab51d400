/**
 * A night for KACO (issue 7): inverters silent from sunset to sunrise on a virtual clock, read
 * every 10 s over a real pty. Bounded probes (one a minute per inverter), no error flood (only
 * the misses before "asleep"), all awake again soon after sunrise. Shortened here to a quarter-hour
 * night; `npm run soak` runs 12 hours.
 */
import assert from 'node:assert/strict';
import { ADDRESSES, INTERVAL_MS, MISSES_TO_ASLEEP, PROBE_EVERY_MS, runKacoNight, type NightReport } from './kacoNight';
import { soakLog, soakSize, soakTimeout } from './soakSize';

const NIGHT_HOURS = soakSize(0.25, 12);

describe(`soak: a ${NIGHT_HOURS} h night for 3 KACO inverters (virtual clock, real pty)`, function () {
  this.timeout(soakTimeout(60000));
  let r: NightReport;

  before(async () => {
    r = await runKacoNight(NIGHT_HOURS);
    soakLog(
      `night of ${NIGHT_HOURS} h in ${r.realSeconds.toFixed(1)} s, ${r.cycles} cycles; per inverter: requests ${JSON.stringify(r.nightRequests)}, errors ${JSON.stringify(r.nightErrors)}, asleep ${JSON.stringify(r.nightAsleep)}; awake after sunrise (ms) ${JSON.stringify(r.awakeAfterSunriseMs)}`,
    );
  });

  it('probes each silent inverter about once a minute, never more', () => {
    const probes = r.nightMs / PROBE_EVERY_MS;
    for (const a of ADDRESSES) {
      assert.ok(r.nightRequests[a] <= MISSES_TO_ASLEEP + probes + 2, `inverter ${a}: ${r.nightRequests[a]} requests in the night`);
      assert.ok(r.nightRequests[a] >= probes * 0.9, `inverter ${a}: still probed (${r.nightRequests[a]})`);
    }
  });

  it('reports the misses before "asleep" as errors, and nothing but "asleep" after', () => {
    const cycles = r.nightMs / INTERVAL_MS;
    for (const a of ADDRESSES) {
      assert.ok(r.nightErrors[a] <= MISSES_TO_ASLEEP, `inverter ${a}: ${r.nightErrors[a]} errors in the night`);
      assert.ok(r.nightAsleep[a] >= cycles * 0.95, `inverter ${a}: asleep ${r.nightAsleep[a]} of ~${cycles} cycles`);
    }
  });

  it('has every inverter awake within a probe interval and one cycle of sunrise', () => {
    for (const a of ADDRESSES) {
      const ms = r.awakeAfterSunriseMs[a];
      assert.ok(ms !== undefined && ms <= PROBE_EVERY_MS + INTERVAL_MS, `inverter ${a}: awake ${ms} ms after sunrise`);
    }
  });
});
