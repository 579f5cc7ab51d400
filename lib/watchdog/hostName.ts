import net from 'node:net';

/**
 * Why `host` cannot be what a TCP connect or a DNS lookup takes, or undefined when it can.
 * A typo here would be probed as a failing check and, armed, end in a reboot, so it is
 * refused at deploy instead. The editor (pv-watchdog.html, hostProblem) applies the same
 * rule; test/watchdog/hostName.test.ts runs both on the same samples.
 */
export function hostProblem(host: string): string | undefined {
  if (host === '') return 'is empty';
  if (net.isIP(host) !== 0) return undefined;
  const withPort = /^(\[[^\]]*\]|[^:]+):(\d+)$/.exec(host);
  if (withPort) return `holds a port (":${withPort[2]}"): put ${withPort[1].replace(/^\[|\]$/g, '')} in the host field and ${withPort[2]} in the port field`;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  // letters, digits, "-" (not at a label's ends) and "_" (found in some LAN names), 1-63 each
  const label = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
  if (name.length > 253 || !labels.every((l) => label.test(l))) {
    return 'is not a host name or an address (letters, digits, "-" and "." only, e.g. 1.1.1.1 or example.com)';
  }
  // an all-digit last label is no host name (RFC 3696 §2), so "1.1.1.256" or "1.1.1" is a mistyped address
  if (/^\d+$/.test(labels[labels.length - 1])) return 'is not a valid IPv4 address (four numbers 0-255, e.g. 1.1.1.1)';
  return undefined;
}

/** Why a DNS server ("ip" or "ip:port", "[ipv6]:port") is not one, or undefined. */
export function dnsServerProblem(server: string): string | undefined {
  if (server === '' || net.isIP(server) !== 0) return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(server);
  const ip = m ? (m[1] ?? m[2]) : '';
  const port = m ? Number(m[3]) : 0;
  if (m && net.isIP(ip) !== 0 && (m[1] === undefined || net.isIPv6(ip)) && port >= 1 && port <= 65535) return undefined;
  return 'must be an IP address, optionally with a port (9.9.9.9, 9.9.9.9:53, [2620:fe::fe]:53)';
}
