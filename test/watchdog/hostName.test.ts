import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError } from '../../lib/bus/errors';
import { parseChecks } from '../../lib/watchdog/checkConfig';
import { dnsServerProblem, hostProblem } from '../../lib/watchdog/hostName';
import { readEditorDefinitions } from '../schema/editorDefinition';

const GOOD_HOSTS = ['1.1.1.1', '192.168.10.254', '::1', '2606:4700:4700::1111', 'example.com', 'example.com.', 'influx', 'pi-logger.local', 'db_1.lan', 'a'.repeat(63) + '.de'];
const BAD_HOSTS = ['', 'bad host!', '1.1.1.1:53', 'example.com:8086', '[::1]:53', '1.1.1.256', '1.1.1', '-lead.example', 'trail-.example', 'a..b', 'a'.repeat(64) + '.de', 'http://example.com', 'ex ample.com'];
const GOOD_SERVERS = ['', '9.9.9.9', '9.9.9.9:53', '127.0.0.1:5353', '2620:fe::fe', '[2620:fe::fe]:53'];
const BAD_SERVERS = ['dns.quad9.net', '9.9.9.9:0', '9.9.9.9:70000', '9.9.9', '[9.9.9.9]:53', 'bad server'];

const internet = (host: string, mode = 'tcp', server = ''): Record<string, unknown> => ({ name: 'net', kind: 'internet', mode, host, port: 53, server, interval: 60, failsToAct: 15 });

describe('watchdog internet check host', () => {
  it('takes host names and addresses', () => {
    for (const h of GOOD_HOSTS) assert.equal(hostProblem(h), undefined, h);
    for (const s of GOOD_SERVERS) assert.equal(dnsServerProblem(s), undefined, s);
  });

  it('refuses a typo at deploy with an error that names the field and the fix', () => {
    for (const h of BAD_HOSTS) assert.throws(() => parseChecks([internet(h)]), (e: Error) => e instanceof ConfigError && e.message.startsWith('check "net": host'), h);
    assert.throws(() => parseChecks([internet('bad host!')]), /check "net": host "bad host!" is not a host name or an address/);
    assert.throws(() => parseChecks([internet('1.1.1.1:53')]), /host "1.1.1.1:53" holds a port \(":53"\): put 1.1.1.1 in the host field and 53 in the port field/);
    assert.throws(() => parseChecks([internet('1.1.1.256')]), /is not a valid IPv4 address/);
    assert.throws(() => parseChecks([internet('')]), /check "net": host is empty/);
    for (const s of BAD_SERVERS) assert.throws(() => parseChecks([internet('example.com', 'dns', s)]), /DNS server .* must be an IP address/, s);
    assert.doesNotThrow(() => parseChecks([internet('example.com', 'tcp', 'ignored in tcp mode')]));
  });

  it('the editor marks the same hosts and servers invalid as the runtime refuses', () => {
    const html = path.join(__dirname, '..', '..', '..', 'nodes', 'pv-watchdog', 'pv-watchdog.html');
    const [def] = readEditorDefinitions(html);
    const validate = (def.definition.defaults?.checks as unknown as { validate(v: unknown): boolean }).validate;
    const runtimeOk = (check: Record<string, unknown>): boolean => {
      try {
        parseChecks([check]);
        return true;
      } catch {
        return false;
      }
    };
    const samples = [...GOOD_HOSTS, ...BAD_HOSTS].map((h) => internet(h)).concat([...GOOD_SERVERS, ...BAD_SERVERS].map((s) => internet('example.com', 'dns', s)));
    for (const c of samples) assert.equal(validate([c]), runtimeOk(c), `editor and runtime agree on ${JSON.stringify(c.host)} ${c.mode} ${JSON.stringify(c.server)}`);
    assert.equal(validate([internet('bad host!')]), false);
  });
});
