/**
 * SMAData2+ packets on the Bluetooth RFCOMM stream: a request as its L1 pieces (to
 * FF:FF:FF:FF:FF:FF from our address, as SBFspot sends them), replies cut from the stream by
 * L1Reader and joined by L2Assembler. Other L1 packets are not L2 data; a hello among them means
 * the inverter has dropped the connection and waits for a new handshake.
 */
import { BT_BROADCAST, BT_ZERO, encodeL1, L1_COMMANDS, L1Reader } from './bluetoothL1';
import { L2Assembler, l1PacketsFor } from './bluetoothL2Assembly';
import type { Data2Arrival, Data2Decoder } from './data2Exchange';
import type { Data2Packet } from './data2Packet';

export function bluetoothRequestBytes(packet: Data2Packet, local: string): Buffer {
  return Buffer.concat(l1PacketsFor(packet, local, BT_BROADCAST).map(encodeL1));
}

export class BluetoothDecoder implements Data2Decoder {
  private readonly reader = new L1Reader();
  private readonly assembler = new L2Assembler();

  /** `onHello`: the inverter announces itself again, so it has dropped our connection */
  constructor(private readonly onHello: () => void = () => undefined) {}

  push(chunk: Buffer): Data2Arrival[] {
    const out: Data2Arrival[] = [];
    for (const event of this.reader.push(chunk)) {
      if (event.kind === 'rejected') {
        // a bad L1 head is noise to resync over, not a refused reply: only the L2 FCS vouches for content
        out.push({ kind: 'rejected', reason: event.reason, badCheck: false });
        continue;
      }
      if (event.packet.command === L1_COMMANDS.hello && event.packet.destination === BT_ZERO) this.onHello();
      const frame = this.assembler.push(event.packet);
      if (!frame) continue;
      out.push(frame.ok ? { kind: 'packet', packet: frame.value } : { kind: 'rejected', reason: frame.reason, badCheck: frame.badCheck });
    }
    return out;
  }

  get midFrame(): boolean {
    return this.reader.midPacket || this.assembler.midFrame;
  }
}
