/** kaco-read's dashboard output: the plant board (plantBoard.ts) over KACO's fields (e_day in Wh, status_text). */
import type { CycleSummary, InverterReading, InverterResult } from '../kaco/kacoPoller';
import { numberField, PlantBoard, type PlantTableMessage } from './plantBoard';

export type KacoTableMessage = PlantTableMessage;

const KACO_FIELDS = {
  acPowerW: (f: Record<string, number | string>) => numberField(f, 'p_ac'),
  todayKwh: (f: Record<string, number | string>) => {
    const wh = numberField(f, 'e_day');
    return wh === null ? null : wh / 1000;
  },
  stateText: (f: Record<string, number | string>) => (typeof f.status_text === 'string' ? f.status_text : undefined),
};

export class KacoBoard {
  private readonly board = new PlantBoard(KACO_FIELDS);

  reading(r: InverterReading): void {
    this.board.reading(r.id, r.name || `KACO ${r.address}`, r.fields, r.at);
  }

  result(r: InverterResult): void {
    this.board.result(r.id, r.name || `KACO ${r.address}`, r.status, r.at);
  }

  cycle(s: CycleSummary, topic: string): KacoTableMessage {
    return this.board.cycle(s, topic);
  }
}
