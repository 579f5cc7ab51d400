import * as assert from 'node:assert/strict';
import { decodeReply, FrameExtractor, type ExtractorOutcome } from '../../lib/kaco/frameExtractor';
import type { KacoReply } from '../../lib/kaco/frames';
import { CAPTURES, CHECKSUM_IS, GENERIC_COSPHI_I, SPEC_EXAMPLE, TYPE_CHECK_IS_CR, latin1, standardFrame, x25 } from './frameBytes';

function reply(outcome: ExtractorOutcome): KacoReply {
  assert.equal(outcome.kind, 'reply', `expected a reply, got ${JSON.stringify(outcome)}`);
  return (outcome as { reply: KacoReply }).reply;
}

function fieldsOf(outcome: ExtractorOutcome): Record<string, number | string> {
  const r = reply(outcome);
  assert.ok('fields' in r, `reply ${r.shape} has no fields`);
  return r.fields;
}

describe('kaco frame extractor: standard protocol (command 0)', () => {
  it("reads KACO's spec example frame by position", () => {
    const f = fieldsOf(decodeReply(SPEC_EXAMPLE, { address: 3, command: '0' }));
    assert.deepEqual(f, {
      status: 4,
      status_text: 'MPP tracking with search movement',
      u_dc: 355.9,
      i_dc: 2.92,
      p_dc: 1039,
      u_ac: 239.5,
      i_ac: 4.12,
      p_ac: 974,
      temperature: 40,
      e_day: 3229,
      type: '5000xi',
    });
  });

  it('reads frames captured from a 6400xi and an 8000xi', () => {
    const a = fieldsOf(decodeReply(CAPTURES.xi2, { address: 2, command: '0' }));
    assert.equal(a.u_dc, 406.8);
    assert.equal(a.p_ac, 635);
    assert.equal(a.e_day, 33801);
    assert.equal(a.type, '6400xi');
    const b = fieldsOf(decodeReply(CAPTURES.xi4, { address: 4, command: '0' }));
    assert.equal(b.type, '8000xi');
    assert.equal(b.temperature, 35);
  });

  for (const [name, frame] of Object.entries(CHECKSUM_IS)) {
    it(`parses a frame whose checksum byte is ${name}`, () => {
      const check = frame[57];
      assert.equal(check, { space: 0x20, cr: 0x0d, lf: 0x0a, nul: 0x00 }[name]);
      const f = fieldsOf(decodeReply(frame, { address: 3, command: '0' }));
      assert.equal(f.type, '5000xi');
      assert.equal(typeof f.u_dc, 'number');
      assert.equal(f.status, 4);
    });
  }

  it('rejects a frame with one digit changed, counting it', () => {
    const bad = Buffer.from(SPEC_EXAMPLE);
    bad[12] = 0x36; // 355.9 -> 365.9
    const x = new FrameExtractor({ address: 3, command: '0' });
    assert.equal(x.push(bad), undefined);
    const outcome = x.finish();
    assert.equal(outcome.kind, 'rejected');
    assert.equal((outcome as { badCheck: boolean }).badCheck, true);
    assert.equal(x.counts.badCheck, 1);
  });

  it('rejects a frame whose checksum byte was changed', () => {
    const bad = Buffer.from(SPEC_EXAMPLE);
    bad[57] ^= 0x01;
    assert.equal(decodeReply(bad, { address: 3, command: '0' }).kind, 'rejected');
  });

  it('reports a frame cut short as partial, never as values', () => {
    const outcome = decodeReply(SPEC_EXAMPLE.subarray(0, 40), { address: 3, command: '0' });
    assert.equal(outcome.kind, 'partial');
  });

  it('skips 0x00 glitch bytes around the turnaround', () => {
    const x = new FrameExtractor({ address: 3, command: '0' });
    const r = x.push(Buffer.concat([Buffer.from([0, 0, 0]), SPEC_EXAMPLE, Buffer.from([0, 0])]));
    assert.equal(r?.address, 3);
    assert.equal(x.counts.glitchBytes, 3);
  });

  it('waits through a pause between the checksum and the type, then completes', () => {
    const x = new FrameExtractor({ address: 3, command: '0' });
    assert.equal(x.push(SPEC_EXAMPLE.subarray(0, 58)), undefined, 'must not finish before the type text');
    assert.equal(x.push(SPEC_EXAMPLE.subarray(58, 61)), undefined);
    const r = x.push(SPEC_EXAMPLE.subarray(61));
    assert.equal(r?.shape, 'standard');
    assert.equal((r as { type?: string }).type, '5000xi');
  });

  it('keeps checked values when the type text never comes', () => {
    const x = new FrameExtractor({ address: 3, command: '0' });
    x.push(SPEC_EXAMPLE.subarray(0, 58));
    const r = reply(x.finish());
    assert.equal((r as { type?: string }).type, undefined);
    assert.equal((r as { fields: Record<string, unknown> }).fields.p_ac, 974);
  });

  it('is not cut short by another frame landing in the pause before the type: values kept at the end of the window', () => {
    const late = standardFrame('*010   4 300.0  1.00   300 230.0  1.20   280  30   1000 ');
    const x = new FrameExtractor({ address: 3, command: '0' });
    assert.equal(x.push(SPEC_EXAMPLE.subarray(0, 58)), undefined);
    assert.equal(x.push(late), undefined, 'the late frame does not end this one');
    assert.equal(x.push(SPEC_EXAMPLE.subarray(58)), undefined, 'its own tail still to come, or come: the window decides');
    const r = reply(x.finish());
    assert.equal((r as { fields: Record<string, unknown> }).fields.p_ac, 974);
    assert.equal(r.address, 3);
  });

  it('drops a late frame from another address and takes the one asked for', () => {
    const late = standardFrame('*010   4 300.0  1.00   300 230.0  1.20   280  30   1000 ');
    const x = new FrameExtractor({ address: 3, command: '0' });
    const r = x.push(Buffer.concat([late, SPEC_EXAMPLE]));
    assert.equal(r?.address, 3);
    assert.equal((r as { fields: Record<string, unknown> }).fields.p_ac, 974);
    assert.equal(x.counts.foreign, 1);
  });

  it('says "foreign" when only another inverter answered', () => {
    const outcome = decodeReply(SPEC_EXAMPLE, { address: 5, command: '0' });
    assert.deepEqual(outcome, { kind: 'foreign', address: 3, command: '0' });
  });

  it('ignores an answer to another command from the same inverter', () => {
    assert.equal(decodeReply(CAPTURES.type6400xi, { address: 2, command: '0' }).kind, 'foreign');
  });

  it('finds a frame after noise that looks like a header', () => {
    const noise = latin1('*030 12 garbage\r\n');
    const r = reply(decodeReply(Buffer.concat([noise, SPEC_EXAMPLE]), { address: 3, command: '0' }));
    assert.equal((r as { fields: Record<string, unknown> }).fields.e_day, 3229);
  });

  it('reads a series 000xi sub-inverter frame (6-wide powers, 2-wide temperature)', () => {
    const frame = standardFrame('*071   5 612.3 10.25   6275 231.0 25.90   5982 48  41234 ', ' 10k1\r');
    const f = fieldsOf(decodeReply(frame, { address: 7, command: '1' }));
    assert.equal(f.p_dc, 6275);
    assert.equal(f.p_ac, 5982);
    assert.equal(f.temperature, 48);
    assert.equal(f.e_day, 41234);
    assert.equal(f.type, '10k1');
  });

  it('recognises the series 000xi answer (command 4) to command 0', () => {
    const r = reply(decodeReply(latin1('\n*074\r'), { address: 7, command: '0' }));
    assert.equal(r.shape, 'family000xi');
  });
});

describe('kaco frame extractor: generic protocol (command 0, reply n)', () => {
  it('reads a captured TL3 frame, CRC-16/X-25 checked, laid out by NOE 20', () => {
    const r = reply(decodeReply(CAPTURES.tl3, { address: 3, command: '0' }));
    assert.equal(r.shape, 'generic');
    assert.deepEqual((r as { fields: unknown }).fields, {
      status: 4,
      status_text: 'MPP tracking with search movement',
      type: '086L32',
      u_dc1: 521.5,
      i_dc1: 0.72,
      p_dc1: 376,
      u_dc2: 518.8,
      i_dc2: 0.72,
      p_dc2: 376,
      u_ac1: 226.5,
      i_ac1: 1.35,
      u_ac2: 227.5,
      i_ac2: 1.3,
      u_ac3: 229.3,
      i_ac3: 1.26,
      p_dc: 753,
      p_ac: 759,
      cos_phi: 1,
      temperature: 43.5,
      e_day: 45704,
    });
  });

  it('reads cos φ with its kind letter', () => {
    const f = fieldsOf(decodeReply(GENERIC_COSPHI_I, { address: 3, command: '0' }));
    assert.equal(f.cos_phi, 0.735);
    assert.equal(f.cos_phi_kind, 'i');
    assert.equal(f.type, '3X24');
  });

  it('rejects a TL3 frame with a changed value (CRC mismatch)', () => {
    const bad = Buffer.from(CAPTURES.tl3);
    bad[20] = 0x39;
    const outcome = decodeReply(bad, { address: 3, command: '0' });
    assert.equal(outcome.kind, 'rejected');
    assert.equal((outcome as { badCheck: boolean }).badCheck, true);
  });

  it('never turns a frame garbled in transit into values', () => {
    const outcome = decodeReply(CAPTURES.garbled, { address: 1, command: '0' });
    assert.notEqual(outcome.kind, 'reply');
  });

  it('reports an NOE without a known layout as value_1 … value_n', () => {
    const body = '*05n 6 XP99 5 1.5 2 3 ';
    const crc = x25(latin1(body)).toString(16).toUpperCase().padStart(4, '0');
    const f = fieldsOf(decodeReply(latin1(`\n${body}${crc}\r`), { address: 5, command: '0' }));
    assert.deepEqual([f.value_1, f.value_2, f.value_3], [1.5, 2, 3]);
  });
});

describe('kaco frame extractor: commands 3, 9, 8, s', () => {
  it('reads the xi command 3 reply without header, counters from kWh to Wh', () => {
    const r = reply(decodeReply(CAPTURES.yieldXi, { address: 2, command: '3' }));
    assert.equal(r.shape, 'yield');
    assert.equal(r.address, undefined);
    assert.deepEqual((r as { fields: unknown }).fields, {
      p_peak_day: 4899,
      e_day: 33801,
      e_counter: 112706000,
      e_total: 112706000,
      hours_today: 12.2,
      hours_counter: 71858,
      hours_total: 71858,
    });
    assert.equal((r as { asSent: { e_total: number } }).asSent.e_total, 112706);
  });

  it('reads the blueplanet command 3 reply with header, counters already Wh', () => {
    const r = reply(decodeReply(CAPTURES.yieldTl3, { address: 3, command: '3' }));
    assert.equal(r.address, 3);
    const f = (r as { fields: Record<string, number> }).fields;
    assert.equal(f.e_total, 7793374);
    assert.equal(f.p_peak_day, 6482);
    assert.equal(f.hours_today, 18.1833); // 000018:11
  });

  it('takes the first of two command 3 replies from one address', () => {
    const r = reply(decodeReply(CAPTURES.yieldTwice, { address: 1, command: '3' }));
    assert.equal(r.address, 1);
    assert.equal((r as { fields: Record<string, number> }).fields.p_peak_day, 6482);
  });

  it('refuses a command 3 reply with a field of the wrong form', () => {
    const bad = latin1('\n  4899  33801 1127x6 112706     12:12  71858:00  71858:00\r');
    assert.equal(decodeReply(bad, { address: 2, command: '3' }).kind, 'rejected');
  });

  it('reads command 9 on both families', () => {
    assert.equal((reply(decodeReply(CAPTURES.type6400xi, { address: 2, command: '9' })) as { type: string }).type, '6400xi');
    assert.equal((reply(decodeReply(CAPTURES.typeTl3, { address: 3, command: '9' })) as { type: string }).type, '086L32');
  });

  it('reads command 9 whose check byte is CR', () => {
    assert.equal(TYPE_CHECK_IS_CR[TYPE_CHECK_IS_CR.length - 2], 0x0d);
    assert.equal((reply(decodeReply(TYPE_CHECK_IS_CR, { address: 1, command: '9' })) as { type: string }).type, '1008');
  });

  it('rejects command 9 with a wrong check byte', () => {
    const bad = Buffer.from(CAPTURES.type6400xi);
    bad[bad.length - 2] ^= 0x10;
    const outcome = decodeReply(bad, { address: 2, command: '9' });
    assert.equal(outcome.kind, 'rejected');
  });

  it('reads the serial number (CRC-checked) and the firmware text', () => {
    assert.equal((reply(decodeReply(CAPTURES.serialTl3, { address: 1, command: 's' })) as { serial: string }).serial, '8.6TL01736586');
    assert.equal((reply(decodeReply(CAPTURES.firmwareXi, { address: 2, command: '8' })) as { text: string }).text, 'K222.36DE 6817');
  });
});

describe('kaco frame extractor: refusing a spoilt frame before the response time is up', () => {
  const spoil = (frame: Buffer, from: number): Buffer => {
    const bytes = Buffer.from(frame);
    for (let i = from; i < bytes.length; i++) bytes[i] = 0x80 | (i & 0x7f);
    return bytes;
  };

  it('refuses a standard frame at the first byte no frame can hold there, before its checksum position arrived', () => {
    const e = new FrameExtractor({ address: 3, command: '0' });
    const spoilt = spoil(SPEC_EXAMPLE, 20);
    assert.equal(e.push(spoilt.subarray(0, 21)), undefined);
    assert.match(e.refusal?.reason ?? '', /garbled/);
  });

  it('refuses a generic frame whose CR never comes because its second half is noise', () => {
    const e = new FrameExtractor({ address: 3, command: '0' });
    e.push(spoil(CAPTURES.tl3, 40));
    assert.match(e.refusal?.reason ?? '', /garbled/);
  });

  it('refuses a headerless command 3 reply once it turns to noise, and a command 9 reply with noise before its check', () => {
    const y = new FrameExtractor({ address: 1, command: '3' });
    y.push(latin1('\n   4520  23830  43200  43200  03:54  61003:54  61003:54\r').subarray(0, 30));
    assert.equal(y.refusal, undefined, 'good text so far: wait for the rest');
    y.push(Buffer.from([0xc1, 0xd2]));
    const refused = y.refusal as { reason: string } | undefined; // read again: the push changed it
    assert.match(refused?.reason ?? '', /garbled/);
    const t = new FrameExtractor({ address: 1, command: '9' });
    t.push(Buffer.concat([latin1('*019 50'), Buffer.from([0xe0, 0x41])]));
    assert.match(t.refusal?.reason ?? '', /command 9/);
  });

  it('does not refuse what may still become a good frame: a check byte of any value, a pause before the type', () => {
    for (const [name, frame] of Object.entries(CHECKSUM_IS)) {
      const e = new FrameExtractor({ address: 3, command: '0' });
      for (const b of frame) e.push(Buffer.from([b]));
      assert.equal(e.refusal, undefined, name);
      assert.notEqual(e.finish().kind, 'rejected', name);
    }
    const cr = new FrameExtractor({ address: 1, command: '9' });
    for (const b of TYPE_CHECK_IS_CR) cr.push(Buffer.from([b]));
    assert.equal(cr.refusal, undefined);
    assert.equal(cr.finish().kind, 'reply');
  });
});
