/**
 * An SMA device over Speedwire: the SMAData2+ session (data2Session.ts) in UDP datagrams to the
 * device's IP, port 9522, on a bus with a 'udp' link. No handshake: the first datagram is the
 * identify query. Energy Meter datagrams (another protocol) are not SMAData2+ and are ignored.
 * Source: SBFspot Ethernet.cpp, jollyjinx/sma2mqtt (shared/reference/sma.md §3).
 */
import type { Scheduler } from '../time/scheduler';
import type { Data2Arrival, Data2Decoder } from './data2Exchange';
import { Data2Session, type Data2Bus } from './data2Session';
import { DATA2_TIMING } from './data2Timing';
import type { UserGroup } from './logon';
import type { SmaReading, SmaReadOptions, SmaSource } from './smaSource';
import { decodeSpeedwire, encodeSpeedwire } from './speedwire';

export interface SpeedwireSourceOptions {
  owner: string;
  password: string;
  group?: UserGroup;
  /** unit key on the bus; default "sma:sw" (one device per UDP bus) */
  unit?: string;
  /** reply timeout per exchange, ms; default data2Timing.ts */
  timeoutMs?: number;
  pauseAfterMs?: number;
  signal?: AbortSignal;
  /** time for the session's logon back-off and renewal (lib/time); the system's when absent */
  scheduler?: Pick<Scheduler, 'now' | 'wallNow'>;
  sessionSerial?: number;
}

/** One datagram is one chunk on a 'udp' link, so each chunk is decoded whole. */
export class SpeedwireDecoder implements Data2Decoder {
  readonly midFrame = false;

  push(chunk: Buffer): Data2Arrival[] {
    const decoded = decodeSpeedwire(chunk);
    if (!decoded.ok) return [{ kind: 'rejected', reason: decoded.reason, badCheck: false }];
    return decoded.value.kind === 'data2' ? [{ kind: 'packet', packet: decoded.value.packet }] : [];
  }
}

export class SpeedwireSource implements SmaSource {
  readonly transport = 'speedwire' as const;
  readonly unit: string;
  private readonly session: Data2Session;
  private readonly stop = new AbortController();
  private closed = false;

  constructor(bus: Data2Bus, options: SpeedwireSourceOptions) {
    this.unit = options.unit ?? 'sma:sw';
    this.session = new Data2Session(
      bus,
      { encode: encodeSpeedwire, decoder: () => new SpeedwireDecoder(), prepare: () => Promise.resolve(false), failed: () => undefined, answered: () => undefined },
      {
        owner: options.owner,
        unit: this.unit,
        password: options.password,
        group: options.group,
        timeoutMs: options.timeoutMs ?? DATA2_TIMING.speedwire.replyTimeoutMs,
        pauseAfterMs: options.pauseAfterMs ?? DATA2_TIMING.speedwire.pauseAfterMs,
        signal: options.signal ? AbortSignal.any([options.signal, this.stop.signal]) : this.stop.signal,
        scheduler: options.scheduler,
        sessionSerial: options.sessionSerial,
      },
    );
  }

  read(options?: SmaReadOptions): Promise<SmaReading> {
    return this.session.read(options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.logoff();
    this.stop.abort(new Error('source closed'));
  }
}
