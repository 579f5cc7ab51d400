import { EventEmitter } from 'node:events';
import RTUBufferedPort from 'modbus-serial/ports/rtubufferedport';
import type { TransactionContext } from '../bus/request';

/**
 * A modbus-serial port whose bytes come from the shared bus, not from a serial port of its own.
 *
 * modbus-serial assembles RTU replies (expected length per function, exception frames) inside
 * RTUBufferedPort, which normally owns its SerialPort. The bus must own the link instead (one
 * arbiter per port, KACO sharing the line, reopen after unplug), so this subclass keeps
 * RTUBufferedPort's frame assembly and feeds it the bytes of the transaction that owns the wire;
 * modbus-serial's client then checks CRC and decodes. Its constructor builds an idle SerialPort
 * object (autoOpen false) that is never opened; the frame assembler listening on it is moved to
 * our byte source.
 */
export class RtuFramePort extends RTUBufferedPort {
  private channel: TransactionContext | undefined;
  private readonly source = new EventEmitter();

  constructor() {
    super('/dev/null', { baudRate: 9600, autoOpen: false });
    const idle = this._client;
    const assemble = idle.listeners('data')[0] as (chunk: Buffer) => void;
    idle.removeAllListeners();
    const facade = Object.assign(this.source, {
      isOpen: true,
      open: (cb: (err?: Error | null) => void) => cb(null),
      close: (cb: (err?: Error | null) => void) => cb(null),
      write: (data: Buffer) => {
        const ch = this.channel;
        if (ch) ch.write(data).catch(() => undefined);
      },
    });
    facade.on('data', assemble);
    this._client = facade;
  }

  /** Binds the port to the transaction that owns the wire; returns the unbind function. */
  bind(ctx: TransactionContext, onBytes: (n: number) => void): () => void {
    this.channel = ctx;
    // Stale bytes of an earlier exchange must not complete this one.
    this._buffer = Buffer.alloc(0);
    const off = ctx.onData((chunk) => {
      onBytes(chunk.length);
      this.source.emit('data', chunk);
    });
    return () => {
      off();
      this.channel = undefined;
    };
  }
}
