import { Resolver } from 'node:dns/promises';
import type { ProbeResult } from './probeResult';

/**
 * Internet reachable: a DNS query for an A record of `host` is answered within timeoutMs.
 * A real query (not getaddrinfo, which /etc/hosts or a local cache may answer while offline),
 * to `server` ("ip" or "ip:port") when given, else to the system's resolvers.
 */
export async function dnsProbe(host: string, server: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  const target = server === '' ? 'the system resolver' : server;
  try {
    if (server !== '') resolver.setServers([server]);
  } catch (err) {
    return { ok: false, detail: `bad DNS server ${server}: ${(err as Error).message}` };
  }
  const cancel = (): void => resolver.cancel();
  // the resolver's own timeout may be retried internally; this bounds the whole query
  const guard = setTimeout(cancel, timeoutMs + 100);
  signal?.addEventListener('abort', cancel);
  try {
    const addresses = await resolver.resolve4(host);
    return { ok: true, detail: `${host} is ${addresses[0]} (asked ${target})` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { ok: false, detail: `no DNS answer for ${host} from ${target}: ${code}` };
  } finally {
    clearTimeout(guard);
    signal?.removeEventListener('abort', cancel);
  }
}
