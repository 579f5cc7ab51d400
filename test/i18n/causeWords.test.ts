/**
 * Code → text: every link cause and scan reason, rendered from the en-US locale files through
 * Node-RED's own catalogue lookup, says exactly what lib's English says (logs, errors and the
 * tests that read English keep their words); the German of rs485-bus is complete and used.
 */
import assert from 'node:assert/strict';
import { LINK_REASON_ENGLISH, linkReasonText, type LinkReason, type LinkReasonCode } from '../../lib/bus/linkReason';
import type { LinkStatus } from '../../lib/bus/linkCause';
import type { BusState } from '../../lib/bus/busSettings';
import { busStatus, busStatusText, ENGLISH_BUS_WORDS, type BusView } from '../../lib/status/busStatus';
import { SCAN_REASON_ENGLISH, scanReasonText, type ScanReason } from '../../lib/status/scanReason';
import { busWordsFrom } from '../../nodes/rs485-bus/busWords';
import { nodeErrors } from '../../nodes/support/nodeErrors';
import { catalogOf, keysOf, translatorFor, type Translate } from './catalogs';

/** One reason of every code, with parameters as the link gives them (the Record makes a new code fail to compile here). */
const REASONS: Record<LinkReasonCode, LinkReason> = {
  notFound: { code: 'notFound', path: '/dev/ttyNOPE' },
  permissionDenied: { code: 'permissionDenied', device: '/dev/ttyUSB0' },
  inUse: { code: 'inUse', device: '/dev/ttyUSB0' },
  notSerial: { code: 'notSerial', device: '/dev/null' },
  refused: { code: 'refused', where: '127.0.0.1:502' },
  hostNotFound: { code: 'hostNotFound', host: 'nohost' },
  hostUnreachable: { code: 'hostUnreachable', host: '10.0.0.9' },
  connectTimeout: { code: 'connectTimeout', where: '10.0.0.9:502' },
  connectionLost: { code: 'connectionLost', where: '127.0.0.1:502' },
  other: { code: 'other', message: 'EIO: i/o error, read' },
};

const busDown = (reason: LinkReason): ScanReason => ({ code: 'busDown', bus: { reason } });
const SCANS: Record<ScanReason['code'], ScanReason[]> = {
  busDown: [busDown(REASONS.notFound), { code: 'busDown', bus: { reason: REASONS.refused, lostSince: '12:03:10' } }],
  noUnit: [{ code: 'noUnit', from: 10, to: 29 }],
  noInverter: [{ code: 'noInverter', from: 1, to: 32 }],
  noSmaDevice: [{ code: 'noSmaDevice' }],
  notDeployed: [{ code: 'notDeployed' }],
  badUnitRange: [{ code: 'badUnitRange', min: 1, max: 247, maxSpan: 60 }],
  badAddressRange: [{ code: 'badAddressRange', min: 1, max: 32 }],
  modbusTcpBus: [{ code: 'modbusTcpBus', link: '127.0.0.1:502' }],
};
/** which editor says which scan reason */
const SCANNER: Record<ScanReason['code'], string[]> = {
  busDown: ['xw-inverter', 'kaco-inverter', 'sma-inverter'],
  noUnit: ['xw-inverter'],
  noInverter: ['kaco-inverter'],
  noSmaDevice: ['sma-inverter'],
  notDeployed: ['xw-inverter', 'kaco-inverter', 'sma-inverter'],
  badUnitRange: ['xw-inverter'],
  badAddressRange: ['kaco-inverter'],
  modbusTcpBus: ['kaco-inverter'],
};

const view = (state: BusState, linkStatus: LinkStatus): BusView => ({ state, linkStatus, link: { description: '/dev/ttyUSB0' } });
const since = new Date(2026, 5, 1, 12, 3, 10).getTime();
const BUS_VIEWS: [string, BusView][] = [
  ['open', view('open', { phase: 'open' })],
  ['opening', view('opening', { phase: 'never-opened' })],
  ['closed', view('closed', { phase: 'open' })],
  ...Object.values(REASONS).flatMap((reason): [string, BusView][] => [
    [`never opened: ${reason.code}`, view('reconnecting', { phase: 'never-opened', cause: { message: linkReasonText(reason), reason, since } })],
    [`lost: ${reason.code}`, view('reconnecting', { phase: 'lost', cause: { message: linkReasonText(reason), reason, since } })],
  ]),
];

/** What the scanning editors do with a reason's code (xw-inverter.html, kaco-inverter.html scanText). */
function editorScanText(node: Translate, bus: Translate, type: string, why: ScanReason): string {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(why)) if (typeof v !== 'object') params[k] = v as string | number;
  if (why.code === 'busDown') {
    const cause = busWordsFrom(bus).cause(why.bus.reason);
    params.bus = why.bus.lostSince === undefined ? bus('rs485-bus.status.notOpened', { cause }) : bus('rs485-bus.status.lost', { since: why.bus.lostSince, cause });
  }
  return node(`${type}.scan.why.${why.code}`, params);
}

describe('locale texts from codes (Node-RED\'s catalogue lookup on our locale files)', () => {
  let en: Translate;
  let de: Translate;
  before(async () => {
    en = await translatorFor('rs485-bus', 'en-US');
    de = await translatorFor('rs485-bus', 'de');
  });

  it('every link cause in en-US says what lib says in English, word for word', () => {
    const words = busWordsFrom(en);
    for (const reason of Object.values(REASONS)) assert.equal(words.cause(reason), linkReasonText(reason), reason.code);
    assert.deepEqual(Object.keys(REASONS).sort(), Object.keys(LINK_REASON_ENGLISH).sort());
  });

  it('every bus state, in en-US, is the English status (whole and shortened), with its colour', () => {
    const words = busWordsFrom(en);
    for (const [what, bus] of BUS_VIEWS) {
      assert.equal(busStatusText(bus, words), busStatusText(bus, ENGLISH_BUS_WORDS), what);
      assert.deepEqual(busStatus(bus, words), busStatus(bus, ENGLISH_BUS_WORDS), what);
    }
  });

  it('German: every state and cause of rs485-bus has its own words, with the same parameters', () => {
    const enCatalog = catalogOf('rs485-bus', 'en-US') ?? {};
    const deCatalog = catalogOf('rs485-bus', 'de') ?? {};
    const deKeys = new Set(keysOf(deCatalog));
    for (const key of keysOf(enCatalog).filter((k) => /^rs485-bus\.(status|cause)\./.test(k))) assert.ok(deKeys.has(key), `de has ${key}`);
    const words = busWordsFrom(de);
    const nope = view('reconnecting', { phase: 'never-opened', cause: { message: linkReasonText(REASONS.notFound), reason: REASONS.notFound, since } });
    assert.deepEqual(busStatus(nope, words), { fill: 'red', shape: 'ring', text: 'Port /dev/ttyNOPE nicht gefunden, neuer Versuch folgt' });
    const lost = view('reconnecting', { phase: 'lost', cause: { message: linkReasonText(REASONS.refused), reason: REASONS.refused, since } });
    assert.equal(busStatusText(lost, words), 'Verbindung verloren seit 12:03:10: Verbindung abgelehnt 127.0.0.1:502');
    for (const reason of Object.values(REASONS).filter((r) => r.code !== 'other')) assert.notEqual(words.cause(reason), linkReasonText(reason), `German for ${reason.code}`);
    assert.equal(words.open('/dev/ttyUSB0'), 'verbunden /dev/ttyUSB0');
  });

  it('a German status is shortened like the English one: the end of a by-id path, at most 60 characters', () => {
    const reason: LinkReason = { code: 'permissionDenied', device: '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0' };
    const bus = view('reconnecting', { phase: 'never-opened', cause: { message: linkReasonText(reason), reason, since } });
    const whole = busStatusText(bus, busWordsFrom(de));
    assert.ok(whole.includes(reason.device), whole);
    const { text } = busStatus(bus, busWordsFrom(de));
    assert.ok(text.length <= 60, text);
    assert.ok(text.startsWith('kann …A50285BI-if00-port0 nicht öffnen'), text);
  });

  it('every scan reason, as the editor says it from en-US, is the endpoint\'s English reason', async () => {
    assert.deepEqual(Object.keys(SCANS).sort(), Object.keys(SCAN_REASON_ENGLISH).sort());
    for (const [code, types] of Object.entries(SCANNER)) {
      for (const type of types) {
        const node = await translatorFor(type, 'en-US');
        for (const why of SCANS[code as ScanReason['code']]) assert.equal(editorScanText(node, en, type, why), scanReasonText(why), `${type}: ${code}`);
      }
    }
    // and each editor's locale has no scan reason it never gets
    for (const type of ['xw-inverter', 'kaco-inverter', 'sma-inverter']) {
      const said = keysOf(catalogOf(type, 'en-US') ?? {}).filter((k) => k.startsWith(`${type}.scan.why.`)).map((k) => k.slice(`${type}.scan.why.`.length));
      assert.deepEqual(said.sort(), Object.keys(SCANNER).filter((c) => SCANNER[c as ScanReason['code']].includes(type)).sort(), type);
    }
  });

  it("an XW unit that answers a scan with an exception: the editor's words are lib's English", async () => {
    const xw = await translatorFor('xw-inverter', 'en-US');
    assert.equal(xw('xw-inverter.scan.exception', { code: 2 }), 'answered with exception 2');
  });

  it('a node\'s own error status is its message in en-US (the same words as before), red ring, shortened', async () => {
    for (const type of ['xw-poll', 'xw-command', 'kaco-read', 'xw-peak-shaving', 'pv-cache', 'pv-watchdog']) {
      const _ = await translatorFor(type, 'en-US');
      const shown: unknown[] = [];
      const done: Error[] = [];
      const node = { status: (s: unknown) => shown.push(s) };
      const errors = nodeErrors({ _ } as never, node as never, type);
      const long = `interval must be 0–86400 s (0 = poll on input only), got ${'9'.repeat(40)}`;
      errors.fail((e) => e && done.push(e), new Error(long));
      assert.equal(done[0]?.message, long, `${type}: done(err) gets the whole English message`);
      assert.deepEqual(shown, [{ fill: 'red', shape: 'ring', text: `${long.slice(0, 59)}…` }], type);
      if (type !== 'pv-cache' && type !== 'pv-watchdog') assert.deepEqual(errors.setupStatus(new Error('no bus')), { fill: 'red', shape: 'ring', text: 'no bus' }, type);
    }
  });
});
