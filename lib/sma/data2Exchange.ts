/**
 * One SMAData2+ request and its reply as a bus transaction, for any carrier (Bluetooth L1/L2,
 * Speedwire datagrams). A reply is the request's only when it echoes the packet id, answers
 * with the request's command + 1 and is addressed to us: anything else that arrives (a late
 * reply to an earlier request, another client's traffic) is never taken as the answer.
 * Multi-frame replies: frames with the same packet id until fragment 0 (SBFspot, python-smadata2;
 * shared/reference/sma.md §2.4).
 */
import { ProtocolError, TransportError } from '../bus/errors';
import type { TransactionContext } from '../bus/request';
import type { Data2Address, Data2Packet } from './data2Packet';

/** What a carrier's decoder makes of the bytes of one transaction. */
export type Data2Arrival = { kind: 'packet'; packet: Data2Packet } | { kind: 'rejected'; reason: string; badCheck: boolean };

export interface Data2Decoder {
  push(chunk: Buffer): Data2Arrival[];
  /** holds the start of a packet or frame whose end has not come */
  readonly midFrame: boolean;
}

export interface Data2Expectation {
  packetId: number;
  /** the reply's command: the request's + 1 */
  command: number;
  /** our own address: a reply to someone else is not ours */
  own: Data2Address;
  /** what was asked, for error texts ("query acPowerTotal") */
  what: string;
}

/** A response timer firing this much late shows a stalled process, not a silent device (as KacoClient). */
const STALL_MS = 5;
const STALL_GRACE_MS = 25;

export function isReplyTo(packet: Data2Packet, expect: Data2Expectation): boolean {
  return (
    packet.packetId === expect.packetId &&
    packet.command >>> 0 === expect.command >>> 0 &&
    packet.destination.susyId === expect.own.susyId &&
    packet.destination.serial >>> 0 === expect.own.serial >>> 0
  );
}

/**
 * Writes `request` and resolves with the reply's frames (fragment count-down to 0). A frame
 * whose FCS is wrong ends the exchange at once as TransportError 'crc'; silence as 'timeout';
 * a frame begun but not finished as 'truncated'.
 */
export function runData2Exchange(ctx: TransactionContext, request: Buffer, decoder: Data2Decoder, expect: Data2Expectation, unit: string): Promise<Data2Packet[]> {
  return new Promise<Data2Packet[]>((resolve, reject) => {
    const frames: Data2Packet[] = [];
    const strays: string[] = [];
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      ctx.scheduler.clearTimeout(timer);
      off();
      ctx.signal.removeEventListener('abort', onAbort);
      settle();
    };
    const off = ctx.onData((chunk) => {
      for (const arrival of decoder.push(chunk)) {
        if (arrival.kind === 'rejected') {
          if (arrival.badCheck) return finish(() => reject(new TransportError('crc', `${unit} ${expect.what}: reply refused, ${arrival.reason}`, unit)));
          strays.push(arrival.reason);
          continue;
        }
        const packet = arrival.packet;
        if (!isReplyTo(packet, expect)) {
          strays.push(`a packet with id ${packet.packetId}, command 0x${(packet.command >>> 0).toString(16)}`);
          continue;
        }
        frames.push(packet);
        if (packet.fragment === 0) return finish(() => resolve(frames));
      }
    });
    const onAbort = (): void => {
      const reason: unknown = ctx.signal.reason;
      finish(() => reject(reason instanceof TransportError ? reason : new TransportError('closed', `${unit}: the link closed during ${expect.what}`, unit)));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const armedAt = ctx.scheduler.now();
    let lookedAgain = false;
    const onTimeout = (): void => {
      if (!lookedAgain && ctx.scheduler.now() - armedAt - ctx.timeoutMs > STALL_MS) {
        lookedAgain = true;
        timer = ctx.scheduler.setTimeout(onTimeout, STALL_GRACE_MS);
        return;
      }
      const dropped = strays.length > 0 ? ` (dropped: ${strays.slice(0, 3).join('; ')})` : '';
      if (frames.length > 0 || decoder.midFrame) finish(() => reject(new TransportError('truncated', `${unit} ${expect.what}: reply incomplete after ${ctx.timeoutMs} ms${dropped}`, unit)));
      else finish(() => reject(new TransportError('timeout', `${unit} ${expect.what}: no answer within ${ctx.timeoutMs} ms${dropped}`, unit)));
    };
    let timer = ctx.scheduler.setTimeout(onTimeout, ctx.timeoutMs);
    ctx.trace('tx', request, expect.what);
    ctx.write(request).catch((err: unknown) => finish(() => reject(new TransportError('closed', `${unit}: write failed: ${(err as Error).message}`, unit))));
  });
}

/** Writes a request no reply is awaited for (logoff). */
export async function sendOnly(ctx: TransactionContext, request: Buffer, what: string): Promise<void> {
  ctx.trace('tx', request, what);
  await ctx.write(request);
}

/** The one frame of a reply that must not come in pieces (logon, identify). */
export function singleFrame(frames: Data2Packet[], what: string): Data2Packet {
  if (frames.length !== 1) throw new ProtocolError(`${what}: reply in ${frames.length} frames, expected 1`);
  return frames[0];
}
