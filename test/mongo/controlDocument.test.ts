/** The control document as mongodb in gives it, and the updates mongodb out needs (lib/mongo). */
import assert from 'node:assert/strict';
import { controlDocumentOf, refusalUpdate, reportUpdate, takenUpdate } from '../../lib/mongo/controlDocument';
import type { CommandReport } from '../../lib/xw/verifiedWriter';
import { driver } from './memoryMongo';

describe('mongo: control documents (lib/mongo/controlDocument)', function () {
  it('takes find\'s list (first document) or one document; an ObjectId becomes its hex; msg.collection carried', function () {
    const id = new driver.ObjectID();
    const doc = controlDocumentOf([{ _id: id, code: 3, inverter: 'XW 2' }, { _id: new driver.ObjectID(), code: 0 }], 'Control');
    assert.deepEqual(doc, { id: id.toHexString(), code: 3, inverter: 'XW 2', collection: 'Control' });
    assert.deepEqual(controlDocumentOf({ _id: 7, code: 'rest', inverter: null }, undefined), { id: 7, code: 'rest' });
    for (const notDoc of [3, 'rest', { command: 'rest' }, [], [{ code: 1 }], null]) assert.equal(controlDocumentOf(notDoc, 'Control'), undefined, JSON.stringify(notDoc));
  });

  it('taken, report and refusal updates: msg.query {_id}, payload {$set}, msg.collection', function () {
    const doc = { id: 'ab'.repeat(12), code: 0, collection: 'CritControl' };
    const now = new Date(0);
    assert.deepEqual(takenUpdate(doc, now), { collection: 'CritControl', query: { _id: doc.id }, payload: { $set: { taken: now } } });
    const report: CommandReport = { command: 'rest', ok: true, units: [], counts: { ok: 0, written: 0, skipped: 0, refused: 0, notSent: 0 }, ms: 5, transactions: 2 };
    assert.deepEqual(reportUpdate(doc, report, 'rest: 0 of 0', now).payload, { $set: { done: now, ok: true, summary: 'rest: 0 of 0', report } });
    assert.deepEqual(refusalUpdate({ id: 1, code: 42 }, 'unknown control code 42', now), { query: { _id: 1 }, payload: { $set: { taken: now, done: now, ok: false, error: 'unknown control code 42' } } });
  });
});
