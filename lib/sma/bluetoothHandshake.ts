/**
 * The Bluetooth connect handshake as one bus transaction (SBFspot SBFspot.cpp single-inverter
 * path, James Ball; shared/reference/sma.md §2.3): after the RFCOMM link comes up the inverter
 * repeats a hello (L1 0x0002 to 00:00:00:00:00:00) about once a second; we answer it with the
 * same payload, then the inverter sends 0x000A (its address, 0x01, ours), 0x000C and the
 * topology 0x0005. Our own address is read from 0x000A: the 0x0005 packet can be shorter than
 * SBFspot assumes (SB2500HF-30), so it only marks the end of the handshake.
 */
import { ProtocolError, TransportError } from '../bus/errors';
import type { TransactionContext } from '../bus/request';
import { addressText, BT_ZERO, encodeL1, L1_COMMANDS, L1Reader, type L1Packet } from './bluetoothL1';

export interface BluetoothPeer {
  /** the inverter's Bluetooth address */
  inverter: string;
  /** ours, as the inverter names it in 0x000A */
  local: string;
  netId: number;
}

/** hello payload: byte 1 is the protocol version (SBFspot refuses < 4, "FW < 1.71"), byte 4 the NetID */
const HELLO_VERSION_AT = 1;
const HELLO_NET_ID_AT = 4;
const MIN_HELLO_VERSION = 4;
/** 0x000A payload: inverter address (6), 0x01, our address (6) */
const CONNECT_LOCAL_AT = 7;

export function helloReply(hello: L1Packet): Buffer {
  return encodeL1({ source: BT_ZERO, destination: hello.source, command: L1_COMMANDS.hello, payload: hello.payload });
}

export function runBluetoothHandshake(ctx: TransactionContext, unit: string): Promise<BluetoothPeer> {
  return new Promise<BluetoothPeer>((resolve, reject) => {
    const reader = new L1Reader();
    let hello: L1Packet | undefined;
    let local: string | undefined;
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      ctx.scheduler.clearTimeout(timer);
      off();
      ctx.signal.removeEventListener('abort', onAbort);
      settle();
    };
    const onPacket = (p: L1Packet): void => {
      if (!hello) {
        if (p.command !== L1_COMMANDS.hello || p.destination !== BT_ZERO) return;
        if (p.payload.length < 13) return finish(() => reject(new ProtocolError(`${unit}: hello of ${p.payload.length} bytes, expected 13`, p.payload)));
        if (p.payload[HELLO_VERSION_AT] < MIN_HELLO_VERSION) return finish(() => reject(new ProtocolError(`${unit}: inverter speaks Bluetooth protocol ${p.payload[HELLO_VERSION_AT]}, at least ${MIN_HELLO_VERSION} is needed (firmware 1.71 or later)`)));
        hello = p;
        const reply = helloReply(p);
        ctx.trace('tx', reply, `hello, NetID ${p.payload[HELLO_NET_ID_AT]}`);
        ctx.write(reply).catch((err: unknown) => finish(() => reject(new TransportError('closed', `${unit}: write failed: ${(err as Error).message}`, unit))));
        return;
      }
      if (p.command === L1_COMMANDS.connect0a && p.payload.length >= CONNECT_LOCAL_AT + 6) local = addressText(p.payload.subarray(CONNECT_LOCAL_AT, CONNECT_LOCAL_AT + 6));
      if (p.command === L1_COMMANDS.topology && local !== undefined) {
        const peer = { inverter: hello.source, local, netId: hello.payload[HELLO_NET_ID_AT] };
        finish(() => resolve(peer));
      }
    };
    const off = ctx.onData((chunk) => {
      for (const event of reader.push(chunk)) if (event.kind === 'packet') onPacket(event.packet);
    });
    const onAbort = (): void => {
      const reason: unknown = ctx.signal.reason;
      finish(() => reject(reason instanceof TransportError ? reason : new TransportError('closed', `${unit}: the link closed during the connect handshake`, unit)));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timer = ctx.scheduler.setTimeout(() => {
      const text = hello
        ? `${unit}: connect handshake not completed within ${ctx.timeoutMs} ms (hello answered, ${local ? 'no topology' : 'no 0x000A'} from the inverter)`
        : `${unit}: no hello from the inverter within ${ctx.timeoutMs} ms (asleep, out of range, or another client is connected)`;
      finish(() => reject(new TransportError('timeout', text, unit)));
    }, ctx.timeoutMs);
  });
}
