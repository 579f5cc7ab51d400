/**
 * xw-command's report for FlowFuse Dashboard 2.0: one message whose msg.summary is the one-line
 * text for ui-text (Value msg.summary) and whose payload is one row per unit for ui-table: unit,
 * verified, action, before → after in words (the writer's summary), time, reason.
 */
import type { Readings } from '../xw/decoder';
import type { CommandReport, UnitReport } from '../xw/verifiedWriter';
import { clockText } from './clockText';
import type { Row } from './xwBoard';

export interface CommandBoardMessage {
  topic: string;
  summary: string;
  payload: Row[];
}

export function commandSummary(report: CommandReport): string {
  const ok = report.units.filter((u) => u.ok).length;
  return `${report.command}: ${ok} of ${report.units.length} units verified in ${report.ms} ms`;
}

/** verify fields in words: "Operating, charger off, sell on"; "unreadable" when not read */
export function stateWords(r: Readings | null): string {
  if (!r) return 'unreadable';
  const words: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k.endsWith('_text') || v === null) continue;
    const t = r[`${k}_text`];
    if (typeof t === 'string' && t !== '') words.push(t);
    else if (k.endsWith('_enabled')) words.push(`${k.slice(0, -'_enabled'.length)} ${v ? 'on' : 'off'}`);
    else words.push(`${k} ${v}`);
  }
  return words.join(', ');
}

function unitRow(u: UnitReport, startedAt: number): Row {
  return {
    unit: u.name,
    verified: u.ok ? 'yes' : 'NO',
    action: u.action,
    // the writer's own words ("charger on → off, sell off (already)"); the states read when it has none
    change: u.summary || (u.action === 'written' ? `${stateWords(u.before)} → ${stateWords(u.after)}` : stateWords(u.after)),
    time: clockText(startedAt + u.ms),
    ms: u.ms,
    reason: u.reason,
  };
}

/** startedAt: wall-clock ms when the command started */
export function commandBoardMessage(report: CommandReport, startedAt: number, topic: string): CommandBoardMessage {
  return { topic, summary: commandSummary(report), payload: report.units.map((u) => unitRow(u, startedAt)) };
}

/** a command refused before it reached the bus: the line says so, no rows */
export function refusalBoardMessage(reason: string, topic: string): CommandBoardMessage {
  return { topic, summary: `refused: ${reason}`, payload: [] };
}
