/**
 * `npm run bench`: runs every bench/<area>.ts that exists, prints the tables and writes
 * BENCHMARKS.md with the command and the machine it ran on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchSection } from './benchSection';

const AREAS = ['busProfile', 'cacheBusTiming', 'xw', 'xwScale', 'kaco', 'kacoLearning', 'sma', 'cache', 'cacheDrain'];

function table(section: BenchSection): string {
  const lines = [`### ${section.title}`, '', `| ${section.columns.join(' | ')} |`, `|${section.columns.map(() => '---').join('|')}|`];
  for (const row of section.rows) lines.push(`| ${row.join(' | ')} |`);
  if (section.notes?.length) lines.push('', ...section.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const sections: BenchSection[] = [];
  for (const area of AREAS) {
    if (only.length && !only.includes(area)) continue;
    const file = path.join(__dirname, `${area}.js`);
    if (!fs.existsSync(file)) continue;
    // areas are optional files found at run time, so a static import cannot name them
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { run(): Promise<BenchSection[]> };
    const started = Date.now();
    process.stderr.write(`bench ${area}…\n`);
    const result = await mod.run();
    process.stderr.write(`bench ${area} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    for (const s of result) {
      sections.push(s);
      console.log(`\n${table(s)}`);
    }
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    '# Benchmarks',
    '',
    `Produced by \`npm run bench${only.length ? ` -- ${only.join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`,
    '',
    'The simulators answer after the modelled wire time (pty pairs and loopback carry bytes instantly), so',
    '"limit" is the physical minimum at the baud rate and "ratio" is what the package adds on top.',
  ].join('\n');
  if (!only.length) fs.writeFileSync(path.join(__dirname, '..', '..', 'BENCHMARKS.md'), `${header}\n\n${sections.map(table).join('\n\n')}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
