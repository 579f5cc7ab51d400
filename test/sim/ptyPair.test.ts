import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../../lib/sim/ptyPair';

function open(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false, lock: false });
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(port))));
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

function nextData(port: SerialPort): Promise<Buffer> {
  return new Promise((resolve) => port.once('data', resolve));
}

async function roundTrip(pair: PtyPair): Promise<void> {
  const device = await open(pair.devicePath);
  const client = await open(pair.clientPath);
  try {
    const atDevice = nextData(device);
    client.write(Buffer.from('ping'));
    assert.equal((await atDevice).toString(), 'ping');
    const atClient = nextData(client);
    device.write(Buffer.from('pong'));
    assert.equal((await atClient).toString(), 'pong');
  } finally {
    await closePort(device);
    await closePort(client);
  }
}

describe('sim/ptyPair', () => {
  let pair: PtyPair | undefined;

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('connects its two ends', async () => {
    pair = await openPtyPair();
    assert.ok(fs.existsSync(pair.devicePath) && fs.existsSync(pair.clientPath));
    await roundTrip(pair);
  });

  it('restarts with the same paths; a port opened before is dead (unplug/replug)', async () => {
    pair = await openPtyPair();
    const { devicePath, clientPath } = pair;
    const client = await open(clientPath);
    client.on('data', () => undefined);
    client.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await pair.restart();
    assert.equal(pair.devicePath, devicePath);
    assert.equal(pair.clientPath, clientPath);
    // serialport notices a vanished pty at its next write at the latest (EIO)
    client.write(Buffer.from('x'));
    await closed;
    assert.equal(client.isOpen, false);
    await roundTrip(pair);
  });

  it('stop() makes the ends vanish until start()', async () => {
    pair = await openPtyPair();
    await pair.stop();
    assert.equal(pair.running, false);
    assert.equal(fs.existsSync(pair.clientPath), false);
    await pair.start();
    assert.equal(pair.running, true);
    await roundTrip(pair);
  });

  it('close() removes the ends', async () => {
    const p = await openPtyPair();
    await p.close();
    assert.equal(fs.existsSync(p.devicePath), false);
    assert.equal(fs.existsSync(p.clientPath), false);
    await assert.rejects(p.start(), /closed/);
  });

  it('says how to install socat when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(openPtyPair(), /socat is not installed \(apt-get install socat\)/);
    } finally {
      process.env.PATH = path;
    }
  });
});
