/**
 * The time a real RS485 line would take, for simulated devices: pseudo-terminals and loopback
 * TCP carry bytes instantly, so a simulated device must hold its reply back by the time the
 * request and the reply would occupy the wire, plus the silence that ends the request and the
 * device's own turnaround (see shared/reference/bus-timing.md).
 */
import { FORMAT_8N1, bytesTimeMs, charTimeMs, t35Ms, type CharFormat } from '../bus/wireTiming';

export interface WireSettings {
  baudRate: number;
  /** character format; 8N1 when omitted */
  format?: CharFormat;
  /** time the device takes between the end of the request and the start of its reply */
  turnaroundMs: number;
}

export class WireModel {
  readonly baudRate: number;
  readonly format: CharFormat;
  readonly turnaroundMs: number;

  constructor(settings: WireSettings) {
    if (!(settings.baudRate > 0)) throw new RangeError(`baudRate must be positive, got ${settings.baudRate}`);
    if (!(settings.turnaroundMs >= 0)) throw new RangeError(`turnaroundMs must be >= 0, got ${settings.turnaroundMs}`);
    this.baudRate = settings.baudRate;
    this.format = settings.format ?? FORMAT_8N1;
    this.turnaroundMs = settings.turnaroundMs;
  }

  get charTimeMs(): number {
    return charTimeMs(this.baudRate, this.format);
  }

  /** the inter-frame silence (fixed 1.75 ms above 19200 baud) */
  get t35Ms(): number {
    return t35Ms(this.baudRate, this.format);
  }

  /**
   * Milliseconds from the moment the whole request has arrived (instantly, over a pty) until
   * the last byte of the reply would have left the wire: both frames' bytes, the t3.5 after
   * which the device knows the request has ended, and the turnaround. The reply is written
   * at once at that moment; the t3.5 after the reply is the client's to wait.
   */
  replyDelayMs(requestBytes: number, replyBytes: number): number {
    return bytesTimeMs(requestBytes + replyBytes, this.baudRate, this.format) + this.t35Ms + this.turnaroundMs;
  }
}
