import type { NodeStatus } from 'node-red';
import { ageText } from '../../lib/cache/ageText';
import type { RebootReason } from '../../lib/watchdog/rebootReason';
import type { WatchdogStatus } from '../../lib/watchdog/watchdog';

type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

/** The node status for the watchdog's state: healthy, or the failing check and the time left before acting. */
export function watchdogStatus(_: Translate, s: WatchdogStatus): NodeStatus {
  switch (s.state) {
    case 'idle':
      return { fill: 'grey', shape: 'ring', text: _('pv-watchdog.status.idle') };
    case 'starting':
      return { fill: 'yellow', shape: 'ring', text: _('pv-watchdog.status.starting') };
    case 'healthy':
      return { fill: 'green', shape: 'dot', text: _('pv-watchdog.status.healthy') };
    case 'failing': {
      const params = { check: s.check, fails: s.failsInRow, of: s.failsToAct, left: ageText(s.leftMs / 1000) };
      return { fill: 'red', shape: 'ring', text: _(s.waitingForUptime ? 'pv-watchdog.status.waitingUptime' : 'pv-watchdog.status.failing', params) };
    }
  }
}

/** Shown for a while after a decision (the checks count from zero again at once). */
export function decisionStatus(_: Translate, reason: RebootReason): NodeStatus {
  return reason.dry_run
    ? { fill: 'yellow', shape: 'dot', text: _('pv-watchdog.status.dryRun', { check: reason.check }) }
    : { fill: 'red', shape: 'dot', text: _('pv-watchdog.status.rebooting', { check: reason.check }) };
}
