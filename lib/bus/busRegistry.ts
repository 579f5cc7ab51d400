import { Bus, type BusOptions } from './bus';
import type { BusSettings } from './busSettings';
import { ConfigError } from './errors';
import { physicalDevice } from './portPath';

interface Registration {
  bus: Bus;
  owners: Set<string>;
}

/**
 * One Bus per physical port, whichever config nodes name it (a glob, a by-id link and the
 * device path of one adapter are one port). Reference-counted: opened by the first owner,
 * closed when the last one releases it.
 */
const registry = new Map<string, Registration>();

export function physicalKey(settings: BusSettings): string {
  const link = settings.link;
  return link.kind === 'serial' ? `serial:${physicalDevice(link.path)}` : `tcp:${link.host.toLowerCase()}:${link.port}`;
}

function lineSignature(settings: BusSettings): string {
  const link = settings.link;
  const line = link.kind === 'serial' ? `${link.baudRate} ${link.format.dataBits}${link.format.parity[0].toUpperCase()}${link.format.stopBits}` : 'tcp';
  return `${line} ${settings.framing}`;
}

export function acquireBus(settings: BusSettings, owner: string, options?: BusOptions): Bus {
  const key = physicalKey(settings);
  const existing = registry.get(key);
  if (existing) {
    const have = lineSignature(existing.bus.settings);
    const want = lineSignature(settings);
    if (have !== want) {
      throw new ConfigError(`${key.replace(/^\w+:/, '')} is already in use as a ${have} bus; it cannot also be opened as ${want}. Use one rs485-bus node for this port.`);
    }
    existing.owners.add(owner);
    return existing.bus;
  }
  const bus = new Bus(key, settings, options);
  registry.set(key, { bus, owners: new Set([owner]) });
  bus.start();
  return bus;
}

export async function releaseBus(bus: Bus, owner: string): Promise<void> {
  const reg = registry.get(bus.key);
  if (!reg || reg.bus !== bus) return;
  reg.owners.delete(owner);
  if (reg.owners.size > 0) return;
  registry.delete(bus.key);
  await bus.close();
}

export function allBuses(): Bus[] {
  return [...registry.values()].map((r) => r.bus);
}
