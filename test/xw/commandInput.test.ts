import * as assert from 'node:assert/strict';
import { checkUnitAddress, controlCodeTable, parseCommand, selectTargets } from '../../lib/xw/commandInput';
import { DEFAULT_CONTROL_CODES } from '../../lib/xw/commandTable';

const table = controlCodeTable(Object.entries(DEFAULT_CONTROL_CODES).map(([code, command]) => ({ code: Number(code), command })));
const units = [
  { unit: 10, name: 'XW A' },
  { unit: 11, name: 'XW B' },
];

describe('xw/commandInput', () => {
  it('takes a name, a code, or {command} / {controlCode}', () => {
    assert.equal(parseCommand('rest', table), 'rest');
    assert.equal(parseCommand(' Start-Charge ', table), 'start-charge');
    assert.equal(parseCommand(0, table), 'rest');
    assert.equal(parseCommand(6, table), 'operating');
    assert.equal(parseCommand('3', table), 'start-sell');
    assert.equal(parseCommand({ command: 'standby' }, table), 'standby');
    assert.equal(parseCommand({ controlCode: 2 }, table), 'stop-charge');
  });

  it('refuses unknown, fractional, non-numeric and malformed input clearly', () => {
    assert.throws(() => parseCommand('dance', table), /unknown command "dance"; expected one of start-charge/);
    assert.throws(() => parseCommand(9, table), /unknown control code 9; this node knows 0 rest, 1 start-charge/);
    assert.throws(() => parseCommand(1.5, table), /control code must be an integer, got 1.5/);
    assert.throws(() => parseCommand(NaN, table), /control code must be a number/);
    assert.throws(() => parseCommand({ controlCode: 'x' }, table), /unknown command "x"/);
    assert.throws(() => parseCommand({ command: 1, controlCode: 1 }, table), /both/);
    assert.throws(() => parseCommand(null, table), /msg.payload must be/);
    assert.throws(() => parseCommand([1], table), /msg.payload must be/);
    assert.throws(() => parseCommand({}, table), /msg.payload must be/);
  });

  it('checks the editable code table', () => {
    assert.throws(() => controlCodeTable([{ code: 1, command: 'rest' }, { code: 1, command: 'standby' }]), /code 1 appears twice/);
    assert.throws(() => controlCodeTable([{ code: 1.5, command: 'rest' }]), /code must be an integer/);
    assert.throws(() => controlCodeTable([{ code: 1, command: 'fly' }]), /unknown command "fly"/);
    assert.equal(controlCodeTable([{ code: '7', command: 'rest' }]).get(7), 'rest');
  });

  it('narrows targets by name, unit or list; refuses what matches nothing', () => {
    assert.deepEqual(selectTargets(units, undefined), units);
    assert.deepEqual(selectTargets(units, 'xw b'), [units[1]]);
    assert.deepEqual(selectTargets(units, 10), [units[0]]);
    assert.deepEqual(selectTargets(units, ['XW B', 10]), units);
    assert.throws(() => selectTargets(units, 12), /msg.inverter 12 matches none of this node's units \(XW A = 10, XW B = 11\)/);
    assert.throws(() => selectTargets(units, []), /empty list/);
    assert.throws(() => selectTargets(units, { unit: 10 }), /msg.inverter must be/);
  });

  it('checks unit addresses 1–247', () => {
    assert.equal(checkUnitAddress(10), 10);
    assert.equal(checkUnitAddress('247'), 247);
    for (const bad of [0, 248, 10.5, 'x', null]) assert.throws(() => checkUnitAddress(bad), /unit address must be an integer 1–247/);
  });
});
