#!/usr/bin/env node
/**
 * `solar-bus-sim`: starts simulated XW units, KACO inverters and SMA devices until Ctrl-C. `--help` lists
 * the options (lib/sim/simCommandLine.ts).
 */
import { describeFleet, fleetJson, HELP, parseSimCommand } from '../lib/sim/simCommandLine';
import { startSimFleet } from '../lib/sim/simFleet';

async function main(): Promise<void> {
  let command;
  try {
    command = parseSimCommand(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`solar-bus-sim: ${(err as Error).message}\nTry solar-bus-sim --help\n`);
    process.exitCode = 2;
    return;
  }
  if (command.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const fleet = await startSimFleet(command.fleet);
  if (command.json) process.stdout.write(`${fleetJson(fleet)}\n`);
  else process.stdout.write(`${describeFleet(fleet).join('\n')}\nCtrl-C stops the simulators.\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    fleet.close().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`solar-bus-sim: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`solar-bus-sim: ${err.message}\n`);
  process.exit(1);
});
