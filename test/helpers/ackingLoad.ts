// The real OTLP exporter as a second process (ackingExporter.ts), and what it was told was kept: trace id -> spans,
// for every export the receiver acknowledged. The durability, machine and forwarding tests check those arrive.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');

export interface AckingLoad {
  readonly child: ChildProcessWithoutNullStreams;
  /** Acknowledged traces and their span counts, filled as acknowledgements come. */
  readonly acked: Map<string, number>;
  readonly stderr: string[];
}

/** `args`: more options of ackingExporter.ts (--seconds, --in-flight, --patience). */
export function ackingLoad(url: string, args: readonly string[] = []): AckingLoad {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'ackingExporter.ts'), '--url', url, ...args], { cwd: ROOT });
  const acked = new Map<string, number>();
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = /^ACK ([0-9a-f]{32}) (\d+)$/.exec(line);
    if (m) acked.set(m[1]!, Number(m[2]));
  });
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  return { child, acked, stderr };
}
