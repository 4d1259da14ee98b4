/**
 * `npm run bench`: runs every benchmark and prints a Markdown table to paste
 * into bench/RESULTS.md with the machine it ran on.
 * Sizes can be set: BENCH_LINES (default 1,000,000), BENCH_DRAIN (default 500,000).
 * Run with --expose-gc (as `npm run bench` does) for the differ's peak memory.
 */
import { cpus, totalmem } from 'node:os';
import { benchDiffer } from './differ.ts';
import { benchDrain } from './drain.ts';
import { benchSyslogIntake } from './syslog-intake.ts';

const lines = Number(process.env.BENCH_LINES ?? 1_000_000);
const drainRecords = Number(process.env.BENCH_DRAIN ?? 500_000);
const format = (n: number) => n.toLocaleString('en-US');

process.stderr.write('differ: 100,000 items, 1% churn ...\n');
const differ = benchDiffer();
process.stderr.write(`syslog TCP -> agent outbox: ${format(lines)} lines over 4 connections ...\n`);
const intake = await benchSyslogIntake(lines, 4);
process.stderr.write(`agent -> server drain: ${format(drainRecords)} records ...\n`);
const drain = await benchDrain(drainRecords);

const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
process.stdout.write(`
Machine: ${machine}
Command: npm run bench (BENCH_LINES=${lines}, BENCH_DRAIN=${drainRecords})

| benchmark | result |
| --- | --- |
| syslog TCP (4 connections) -> agent outbox, durable in LevelDB | ${format(intake.recordsPerSecond)} records/s (${intake.seconds.toFixed(2)} s) |
| agent -> server, acknowledged (journaled, fsync) | ${format(drain.ackedPerSecond)} records/s |
| agent -> server, processed (parsed, detected, stored) | ${format(drain.processedPerSecond)} records/s |
| differ: ${format(differ.items)} items, 1% churn (median of 5) | ${differ.diffMs} ms, peak heap +${differ.peakHeapMiB} MiB; decoding the stored snapshot ${differ.decodeMs} ms |
| bytes shipped: unchanged run / 1% churn / full snapshot | ${format(differ.unchangedDeltaBytes)} B / ${format(differ.churnDeltaBytes)} B / ${format(differ.snapshotBytes)} B |
`);
