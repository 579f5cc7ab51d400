// modbus-serial's port classes ship without type declarations; these declare what we use.
declare module 'modbus-serial/ports/rtubufferedport' {
  import { EventEmitter } from 'node:events';
  class RTUBufferedPort extends EventEmitter {
    constructor(path: string, options: Record<string, unknown>);
    /** the byte source RTUBufferedPort assembles frames from; normally its own SerialPort */
    _client: EventEmitter & { isOpen?: boolean };
    _buffer: Buffer;
    readonly isOpen: boolean;
    open(callback: (err?: Error | null) => void): void;
    close(callback: (err?: Error | null) => void): void;
    write(data: Buffer): void;
  }
  export = RTUBufferedPort;
}
declare module 'modbus-serial/ports/tcpport' {
  import { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';
  class TcpPort extends EventEmitter {
    constructor(options: { socket: Socket });
    readonly isOpen: boolean;
    /** bytes received and not yet cut into MBAP frames */
    _clientRcvData: Buffer;
  }
  export = TcpPort;
}
