// Reads V8 .cpuprofile files (node --cpu-prof) and lists where the time went: per function, self time (samples in the
// function itself) and total time (samples with the function anywhere on the stack, each sample counted once),
// added up over the files given (e.g. every round of one receiver on one protocol).
// Usage: npx tsx bench/ingest/profile.ts FILE.cpuprofile... [--top N]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionTime {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly totalMs: number;
  readonly selfPct: number;
  readonly totalPct: number;
}

export interface ProfileSummary {
  readonly label: string;
  readonly files: readonly string[];
  /** Sampled time, (idle) excluded. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly FunctionTime[];
}

function keyOf(f: CallFrame): { key: string; name: string; where: string } {
  const name = f.functionName || '(anonymous)';
  const file = f.url ? basename(f.url.replace(/^file:\/\//, '')) : '';
  const where = file ? `${file}:${f.lineNumber + 1}` : '';
  return { key: `${name}@${f.url}:${f.lineNumber}`, name, where };
}

export function summarizeProfiles(label: string, paths: readonly string[]): ProfileSummary {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const info = new Map<string, { name: string; where: string }>();
  let busy = 0;
  let idle = 0;
  for (const path of paths) {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    const byId = new Map<number, ProfileNode>();
    const parent = new Map<number, number>();
    for (const n of profile.nodes) {
      byId.set(n.id, n);
      for (const c of n.children ?? []) parent.set(c, n.id);
    }
    for (let i = 0; i < profile.samples.length; i++) {
      // timeDeltas[i] is the time before sample i; the time until the next sample is charged to sample i.
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const leaf = byId.get(profile.samples[i]!);
      if (!leaf) continue;
      if (leaf.callFrame.functionName === '(idle)') {
        idle += dt;
        continue;
      }
      busy += dt;
      const k = keyOf(leaf.callFrame);
      info.set(k.key, k);
      self.set(k.key, (self.get(k.key) ?? 0) + dt);
      const seen = new Set<string>();
      for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
        const node = byId.get(id)!;
        if (node.callFrame.functionName === '(root)') break;
        const kk = keyOf(node.callFrame);
        if (seen.has(kk.key)) continue;
        seen.add(kk.key);
        info.set(kk.key, kk);
        total.set(kk.key, (total.get(kk.key) ?? 0) + dt);
      }
    }
  }
  const functions = [...info.entries()].map(([key, { name, where }]) => {
    const s = self.get(key) ?? 0;
    const t = total.get(key) ?? 0;
    return { name, where, selfMs: s, totalMs: t, selfPct: busy ? (100 * s) / busy : 0, totalPct: busy ? (100 * t) / busy : 0 };
  });
  return { label, files: paths, busyMs: busy, idleMs: idle, functions };
}

export function formatProfile(s: ProfileSummary, topSelf = 15, topTotal = 10): string {
  const lines = [`${s.label}: ${(s.busyMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle, ${s.files.length} profile(s)`];
  const row = (f: FunctionTime): string => `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.totalPct.toFixed(1).padStart(5)}%  ${f.name}${f.where ? `  (${f.where})` : ''}`;
  lines.push('  self%  total%  by self time');
  for (const f of [...s.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, topSelf)) lines.push(row(f));
  lines.push('  self%  total%  by total time');
  for (const f of [...s.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, topTotal)) lines.push(row(f));
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args[t + 1]) : 25;
  const files = t >= 0 ? [...args.slice(0, t), ...args.slice(t + 2)] : args;
  if (files.length === 0) {
    process.stderr.write('usage: npx tsx bench/ingest/profile.ts FILE.cpuprofile... [--top N]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summarizeProfiles(files.map((f) => basename(f)).join(', '), files), top, top)}\n`);
}
