/** Time windows of the day ("07:00-11:00, 17:00-21:30", local time); a window may span midnight. */
import { ConfigError } from '../bus/errors';

export interface TimeWindow {
  /** minutes after local midnight */
  from: number;
  to: number;
}

function minutes(hhmm: string, text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (Number(m[1]) === 24 && Number(m[2]) > 0)) throw new ConfigError(`time window "${text}": "${hhmm}" is not a time HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function parseTimeWindows(text: string): TimeWindow[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  return parts.map((p) => {
    const [a, b, ...rest] = p.split('-');
    if (b === undefined || rest.length) throw new ConfigError(`time window "${p}" must be HH:MM-HH:MM`);
    const w = { from: minutes(a, p), to: minutes(b, p) };
    if (w.from === w.to) throw new ConfigError(`time window "${p}" is empty`);
    return w;
  });
}

/** inside any window (always, when there are none) at wall-clock time `epochMs` */
export function inWindows(windows: readonly TimeWindow[], epochMs: number): boolean {
  if (windows.length === 0) return true;
  const d = new Date(epochMs);
  const m = d.getHours() * 60 + d.getMinutes();
  return windows.some((w) => (w.from < w.to ? m >= w.from && m < w.to : m >= w.from || m < w.to));
}
