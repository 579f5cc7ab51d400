/**
 * sma-read's dashboard output: the plant board (plantBoard.ts) over SMA's fields (e_today in kWh,
 * status as text). SMA Data1 has no "today" channel: its today is E-Total less the first E-Total
 * read that day — the device wakes at dawn before it feeds in, so that is the day's start.
 */
import type { SmaCycleSummary, SmaDeviceReading, SmaDeviceResult } from '../sma/smaPoller';
import { numberField, PlantBoard, type PlantTableMessage } from './plantBoard';

const SMA_FIELDS = {
  acPowerW: (f: Record<string, number | string>) => numberField(f, 'p_ac'),
  todayKwh: (f: Record<string, number | string>) => numberField(f, 'e_today'),
  stateText: (f: Record<string, number | string>) => (typeof f.status === 'string' ? f.status : undefined),
};

export class SmaBoard {
  private readonly board = new PlantBoard(SMA_FIELDS);
  private readonly dayStart = new Map<string, { day: string; eTotal: number }>();

  reading(r: SmaDeviceReading): void {
    this.board.reading(r.id, r.name, this.withToday(r), r.at);
  }

  private withToday(r: SmaDeviceReading): Record<string, number | string> {
    const total = r.fields.e_total;
    if ('e_today' in r.fields || typeof total !== 'number') return r.fields;
    const day = new Date(r.at).toDateString();
    const start = this.dayStart.get(r.id);
    const base = start && start.day === day ? start.eTotal : total;
    if (!start || start.day !== day) this.dayStart.set(r.id, { day, eTotal: total });
    return { ...r.fields, e_today: Math.round((total - base) * 1000) / 1000 };
  }

  result(r: SmaDeviceResult): void {
    this.board.result(r.id, r.name, r.status, r.at);
  }

  cycle(s: Pick<SmaCycleSummary, 'startedAt' | 'durationMs'>, topic: string): PlantTableMessage {
    return this.board.cycle(s, topic);
  }
}
