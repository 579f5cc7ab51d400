import net from 'node:net';
import type { ProbeResult } from './probeResult';

/** Internet reachable: a TCP connection to host:port opens within timeoutMs (then is closed at once). */
export function tcpProbe(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, detail: 'cancelled' });
    const timer = setTimeout(() => finish({ ok: false, detail: `no connection to ${host}:${port} within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ ok: true, detail: `connected to ${host}:${port}` }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, detail: `${host}:${port}: ${err.code ?? err.message}` }));
    signal?.addEventListener('abort', onAbort);
  });
}
