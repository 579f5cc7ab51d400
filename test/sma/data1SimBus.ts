/** A real Bus (lib/bus) to an SMA Data1 simulator at the line's 1200 baud: the pty's client end, or TCP to its port. */
import { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import type { Data1Timing } from '../../lib/sma/data1Timing';
import type { SmaData1Sim } from '../../lib/sim/smaData1Sim';
import { waitFor } from '../support/waitFor';

export const SMA_BAUD = 1200;
/**
 * The client's tests model a line 16 times faster: every exchange keeps its shape and its wire
 * time at that speed, and the suite does not spend minutes on channel lists at 1200 baud (the
 * simulator's own tests, the node tests and the bench run at 1200).
 */
export const CLIENT_TEST_BAUD = 19200;

export function busSettingsFor(sim: SmaData1Sim, baudRate = SMA_BAUD): BusSettings {
  const link = sim.clientPath
    ? { kind: 'serial' as const, path: sim.clientPath, baudRate, format: FORMAT_8N1 }
    : { kind: 'tcp' as const, host: '127.0.0.1', port: sim.port as number, lineBaudRate: baudRate };
  return { link, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 60000, trace: false };
}

export async function openBus(sim: SmaData1Sim, baudRate = SMA_BAUD): Promise<Bus> {
  const bus = new Bus(`sma-test-${Math.random()}`, busSettingsFor(sim, baudRate));
  bus.start();
  await waitFor(() => bus.state === 'open', 5000, 'the bus open');
  return bus;
}

/**
 * The protocol's waits shortened for tests (never the wire time, which the line's speed sets):
 * broadcast answers within 70–400 ms (the simulator is told the same), the quiet that ends a
 * discovery 700 ms, the wait after CMD_SYN_ONLINE 50 ms.
 */
export const BROADCAST_PAUSE_MS: [number, number] = [70, 400];
export const FAST_TIMING: Partial<Data1Timing> = {
  broadcastAnswerMaxMs: BROADCAST_PAUSE_MS[1],
  detectionQuietMs: 700,
  syncOnlineWaitMs: 50,
  syncReuseMs: 2000,
};

export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

export { waitFor };
