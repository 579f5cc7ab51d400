/** A real Bus (lib/bus) to a KACO simulator: the pty's client end, or TCP to its port. */
import { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import type { Scheduler } from '../../lib/time/scheduler';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import type { EndpointSpec } from '../../lib/sim/deviceEndpoint';
import type { KacoSim } from '../../lib/sim/kacoSim';

export const TRANSPORTS: { name: string; endpoint: EndpointSpec }[] = [
  { name: 'pty', endpoint: { transport: 'pty' } },
  { name: 'TCP', endpoint: { transport: 'tcp' } },
];

export function busSettingsFor(sim: KacoSim): BusSettings {
  const link = sim.clientPath
    ? { kind: 'serial' as const, path: sim.clientPath, baudRate: 9600, format: FORMAT_8N1 }
    : { kind: 'tcp' as const, host: '127.0.0.1', port: sim.port as number, lineBaudRate: 9600 };
  return { link, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 30000, trace: false };
}

export async function openBus(sim: KacoSim, scheduler?: Scheduler): Promise<Bus> {
  const bus = new Bus(`kaco-test-${Math.random()}`, busSettingsFor(sim), { scheduler });
  bus.start();
  await waitFor(() => bus.state === 'open', 5000);
  return bus;
}

import { waitFor } from '../support/waitFor';
export { waitFor };
