/**
 * The three kinds of SMA Data1 exchange, each the `run` of one bus transaction:
 * - ask: one telegram to one device, its one answer (SWRNET §3: every telegram to a network
 *   address is answered, answer bit set);
 * - collect: a broadcast and the answers of every device, until the line stays quiet
 *   (discovery, YASDI statedetection.c);
 * - announce: a broadcast nobody answers (CMD_SYN_ONLINE), done once its bytes are on the line.
 * Frames without the answer bit — our own echo on a half-duplex line — are never answers
 * (YASDI smadata_layer.c).
 */
import type { TransactionContext } from '../bus/request';
import type { Scheduler, TimerHandle } from '../time/scheduler';
import { ProtocolError, TransportError } from '../bus/errors';
import { isAnswer, type Data1Packet } from './data1Packet';
import { Data1FrameReader, type Data1Framing } from './data1FrameReader';
import { encodeSmanet } from './smanetFrame';
import { encodeSunnynet } from './sunnynetFrame';
import { DATA1_LONGEST_FRAME_BYTES, data1WireMs } from './data1Timing';

export function encodeFrame(packet: Data1Packet, framing: Data1Framing): Buffer {
  // SunnyNet on serial: the SWRNET examples and SolarNetwork send the AA AA sync too
  return framing === 'smanet' ? encodeSmanet(packet) : encodeSunnynet(packet, true);
}

/** A response timer firing this much late shows a stalled process, not a silent line (as lib/kaco/kacoClient.ts). */
const STALL_MS = 5;
const STALL_GRACE_MS = 25;

/** One exchange in progress: settles once, and clears its timers and listeners when it does. */
class Listening {
  private readonly timers: TimerHandle[] = [];
  private cleanups: (() => void)[] = [];
  settled = false;

  constructor(readonly scheduler: Scheduler) {}

  finish(settle: () => void): void {
    if (this.settled) return;
    this.settled = true;
    for (const t of this.timers) this.scheduler.clearTimeout(t);
    for (const c of this.cleanups) c();
    this.cleanups = [];
    settle();
  }

  after(ms: number, fn: () => void): TimerHandle {
    const t = this.scheduler.setTimeout(fn, ms);
    this.timers.push(t);
    return t;
  }

  onFinish(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }
}

interface Handlers {
  onPacket(p: Data1Packet): void;
  onRefused(reason: string, badCheck: boolean): void;
  /** once the write is with the OS, `elapsedMs` after the exchange began: set the response timers */
  arm(elapsedMs: number): void;
}

/**
 * Writes `frame` and feeds the frames that follow to the handlers until one settles. Rejects at
 * once when the owner already stopped (the frame is then never written) and when the link goes
 * during the exchange.
 */
function exchange<T>(
  ctx: TransactionContext,
  frame: Buffer,
  framing: Data1Framing,
  what: string,
  unit: string | undefined,
  ownerSignal: AbortSignal | undefined,
  handlers: (l: Listening, resolve: (v: T) => void, reject: (e: Error) => void, reader: Data1FrameReader) => Handlers,
): Promise<T> {
  if (ownerSignal?.aborted) return Promise.reject(new TransportError('cancelled', `${what}: the reader stopped before it was sent`, unit));
  return new Promise<T>((resolve, reject) => {
    const reader = new Data1FrameReader([framing]);
    const l = new Listening(ctx.scheduler);
    const h = handlers(l, resolve, reject, reader);
    let sent = false;
    const began = l.scheduler.now();
    l.onFinish(
      ctx.onData((chunk) => {
        if (!sent) return; // whatever came before our frame is not its answer
        for (const event of reader.push(chunk)) {
          if (l.settled) return;
          if (event.kind === 'packet') {
            ctx.trace('rx', event.raw, `SMA Data1 cmd ${event.packet.command} from ${event.packet.source} counter ${event.packet.counter}`);
            h.onPacket(event.packet);
          } else h.onRefused(event.reason, event.badCheck);
        }
      }),
    );
    const onAbort = (): void => {
      const reason: unknown = ctx.signal.reason;
      l.finish(() => reject(reason instanceof TransportError ? reason : new TransportError('closed', `${what}: the link closed during the exchange`, unit)));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    l.onFinish(() => ctx.signal.removeEventListener('abort', onAbort));
    sent = true;
    ctx.trace('tx', frame, what);
    ctx.write(frame).then(
      () => {
        if (!l.settled) h.arm(l.scheduler.now() - began);
      },
      (err: unknown) => l.finish(() => reject(new TransportError('closed', `${what}: write failed: ${(err as Error).message}`, unit))),
    );
  });
}

export interface AskSpec {
  packet: Data1Packet;
  framing: Data1Framing;
  /** what an answer must be besides coming from the addressed device with the same command */
  accepts?: (p: Data1Packet) => boolean;
  /** the answering address when it is not the destination (a broadcast to one serial) */
  from?: number;
  /** from the start of the exchange until the answer must have begun (the request's wire time included) */
  replyTimeoutMs: number;
  /** line speed, for the time a begun answer is given to end */
  baudRate: number;
  unit?: string;
  what: string;
  ownerSignal?: AbortSignal;
}

/**
 * One telegram, one answer. A frame that fails its FCS or sum ends the exchange at once as a
 * 'crc' error (never a value); no answer ends it as 'timeout', the start of one that never
 * ended as 'truncated'. The answer must begin within `replyTimeoutMs`; one that has begun by
 * then is given the longest telegram's wire time more to end (at 1200 baud a full telegram takes
 * 2.3 s of a 3–4 s response time). The bus's timeout must allow for both.
 */
export function ask(ctx: TransactionContext, spec: AskSpec): Promise<Data1Packet> {
  const frame = encodeFrame(spec.packet, spec.framing);
  const from = spec.from ?? spec.packet.destination;
  return exchange<Data1Packet>(ctx, frame, spec.framing, spec.what, spec.unit, spec.ownerSignal, (l, resolve, reject, reader) => {
    let refusal: string | undefined;
    return {
      onPacket(p) {
        if (!isAnswer(p) || p.source !== from || p.command !== spec.packet.command) return; // echo, or another device
        if (spec.accepts && !spec.accepts(p)) {
          refusal = `an answer with packet counter ${p.counter} (not the one asked for)`;
          return;
        }
        l.finish(() => resolve(p));
      },
      onRefused(reason, badCheck) {
        if (badCheck) l.finish(() => reject(new TransportError('crc', `${spec.what}: reply refused, ${reason}`, spec.unit)));
        else refusal = reason;
      },
      arm(elapsedMs) {
        const verdict = (): void =>
          l.finish(() => {
            if (reader.midFrame) reject(new TransportError('truncated', `${spec.what}: reply cut short (begun, never ended)`, spec.unit));
            else if (refusal) reject(new ProtocolError(`${spec.what}: no valid answer within ${Math.round(spec.replyTimeoutMs)} ms (${refusal})`));
            else reject(new TransportError('timeout', `${spec.what}: no answer within ${Math.round(spec.replyTimeoutMs)} ms`, spec.unit));
          });
        let extended = false;
        const timer = (wait: number): void => {
          const armedAt = l.scheduler.now();
          l.after(wait, () => {
            // a timer that fires late shows a stalled process: bytes the OS got meanwhile are
            // delivered after the timers, so look once more before calling the line silent
            if (l.scheduler.now() - armedAt - wait > STALL_MS) return void l.after(STALL_GRACE_MS, onTime);
            onTime();
          });
        };
        const onTime = (): void => {
          if (!extended && reader.midFrame) {
            extended = true;
            return timer(data1WireMs(DATA1_LONGEST_FRAME_BYTES, spec.baudRate));
          }
          verdict();
        };
        timer(Math.max(0, spec.replyTimeoutMs - elapsedMs));
      },
    };
  });
}

export interface CollectSpec {
  packet: Data1Packet;
  framing: Data1Framing;
  /** the answers wanted (besides the answer bit and the command) */
  accepts?: (p: Data1Packet) => boolean;
  /** the collection ends once this long passes without a new answer */
  quietMs: number;
  /** … or after `limitMs` at the latest (within the transaction's timeout) */
  limitMs: number;
  /** stop at the first answer (a broadcast meant for one device) */
  firstOnly?: boolean;
  what: string;
  ownerSignal?: AbortSignal;
}

export interface Collected {
  answers: Data1Packet[];
  /** frames refused on their check (two devices answering at once garble each other) */
  refused: number;
}

/** A broadcast and every answer to it. Never a timeout error: no answer is an empty list. */
export function collect(ctx: TransactionContext, spec: CollectSpec): Promise<Collected> {
  const frame = encodeFrame(spec.packet, spec.framing);
  return exchange<Collected>(ctx, frame, spec.framing, spec.what, undefined, spec.ownerSignal, (l, resolve) => {
    const out: Collected = { answers: [], refused: 0 };
    let quiet: TimerHandle | undefined;
    const end = (): void => l.finish(() => resolve(out));
    const restartQuiet = (): void => {
      l.scheduler.clearTimeout(quiet);
      quiet = l.after(spec.quietMs, end);
    };
    return {
      onPacket(p) {
        if (!isAnswer(p) || p.command !== spec.packet.command || (spec.accepts && !spec.accepts(p))) return;
        out.answers.push(p);
        if (spec.firstOnly) return end();
        restartQuiet();
      },
      onRefused() {
        out.refused += 1;
      },
      arm(elapsedMs) {
        restartQuiet();
        l.after(Math.max(0, Math.min(spec.limitMs, ctx.timeoutMs) - elapsedMs), end);
      },
    };
  });
}

/** A broadcast without answers: resolves once its bytes have had the time to leave the line. */
export function announce(ctx: TransactionContext, packet: Data1Packet, framing: Data1Framing, baudRate: number, what: string, ownerSignal?: AbortSignal): Promise<void> {
  const frame = encodeFrame(packet, framing);
  return exchange<void>(ctx, frame, framing, what, undefined, ownerSignal, (l, resolve) => ({
    onPacket() {
      // nobody answers CMD_SYN_ONLINE; anything heard is not ours
    },
    onRefused() {},
    arm() {
      // the write resolves when the OS has the bytes, not when the UART has sent them
      l.after(data1WireMs(frame.length, baudRate), () => l.finish(() => resolve()));
    },
  }));
}
