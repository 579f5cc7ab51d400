import { Bus, type BusOptions } from './bus';
import type { BusSettings } from './busSettings';
import { ConfigError } from './errors';
import { physicalDevice } from './portPath';

interface Registration {
  bus: Bus;
  owners: Set<string>;
  /** how the owner that opened the bus is named in errors (e.g. rs485-bus "XW bus") */
  openedBy: string;
}

/**
 * One Bus per physical port, whichever config nodes name it (a glob, a by-id link and the
 * device path of one adapter are one port). Reference-counted: opened by the first owner,
 * closed when the last one releases it.
 */
const registry = new Map<string, Registration>();

export function physicalKey(settings: BusSettings): string {
  const link = settings.link;
  return link.kind === 'serial' ? `serial:${physicalDevice(link.path)}` : `${link.kind}:${link.host.toLowerCase()}:${link.port}`;
}

function lineSignature(settings: BusSettings): string {
  const link = settings.link;
  const line = link.kind === 'serial' ? `${link.baudRate} ${link.format.dataBits}${link.format.parity[0].toUpperCase()}${link.format.stopBits}` : link.kind;
  return `${line} ${settings.framing}`;
}

/**
 * The settings one arbiter applies to every request on its port. Two config nodes naming one
 * port with different values would otherwise run silently with the first one's.
 */
function arbiterDifferences(have: BusSettings, want: BusSettings): string[] {
  const fields: [string, (s: BusSettings) => string][] = [
    ['timeout', (s) => `${s.timeoutMs} ms`],
    ['pause', (s) => `${s.pauseMs} ms`],
    ['deadline', (s) => `${s.deadlineMs} ms`],
    ['trace', (s) => (s.trace ? 'on' : 'off')],
  ];
  return fields.filter(([, v]) => v(have) !== v(want)).map(([name, v]) => `${name} ${v(have)} there, ${v(want)} here`);
}

/**
 * The bus of `settings`' physical port, opened on first use. `label` names the owner in errors
 * (default its id). A second owner must ask for the same line and arbiter settings: otherwise a
 * ConfigError names both owners and what differs.
 */
export function acquireBus(settings: BusSettings, owner: string, options?: BusOptions, label: string = owner): Bus {
  const key = physicalKey(settings);
  const existing = registry.get(key);
  if (existing) {
    const port = key.replace(/^\w+:/, '');
    const have = lineSignature(existing.bus.settings);
    const want = lineSignature(settings);
    if (have !== want) {
      throw new ConfigError(`${port} is already in use as a ${have} bus by ${existing.openedBy}; ${label} cannot also open it as ${want}. Use one rs485-bus node for this port.`);
    }
    const differs = arbiterDifferences(existing.bus.settings, settings);
    if (differs.length > 0 && !existing.owners.has(owner)) {
      throw new ConfigError(`${port} is already open by ${existing.openedBy} with other settings than ${label} (${differs.join('; ')}). Use one rs485-bus node for this port, or give both the same settings.`);
    }
    existing.owners.add(owner);
    return existing.bus;
  }
  const bus = new Bus(key, settings, options);
  registry.set(key, { bus, owners: new Set([owner]), openedBy: label });
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

/**
 * The bus `owner` holds, whichever name of the port it gave: what a watcher of an rs485-bus node
 * (the watchdog) looks at, without opening the port itself or re-deriving the registry's key.
 */
export function busHeldBy(owner: string): Bus | undefined {
  for (const r of registry.values()) if (r.owners.has(owner)) return r.bus;
  return undefined;
}

export function allBuses(): Bus[] {
  return [...registry.values()].map((r) => r.bus);
}
