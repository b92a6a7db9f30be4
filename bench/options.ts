// What every benchmark's command line shares: `--flag value` pairs checked against the usage text (unknown options
// refused with it), and the run of main with its exit code and clean-up.
import { rmSync } from 'node:fs';

export interface Args {
  /** The value after the flag, or undefined when the flag is absent. */
  value(flag: string): string | undefined;
  /** A positive number (underscores allowed: 1_000_000), or the default. */
  num(flag: string, dflt: number): number;
  has(flag: string): boolean;
}

/** Checks argv against the usage text (every `--flag VALUE` it lists, plus the switches given) and reads it. */
export function parseArgs(argv: readonly string[], help: string, switches: readonly string[]): Args {
  const known = new Set([...switches, '--help', '-h']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (known.has(a)) continue;
    if (a.startsWith('--') && help.includes(`${a} `)) {
      i++;
      continue;
    }
    throw new Error(`unknown option "${a}"\n\n${help}`);
  }
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  return {
    value,
    num(flag, dflt) {
      const v = value(flag);
      if (v === undefined) return dflt;
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got "${v}"`);
      return n;
    },
    has: (flag) => argv.includes(flag),
  };
}

/** Runs a benchmark's main: exits with its code, reports a failure, and cleans up on every way out (Ctrl+C too). */
export function runMain(name: string, main: (argv: readonly string[]) => Promise<number>, cleanUp: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  process.once('exit', cleanUp);
  main(process.argv.slice(2)).then(
    (code) => {
      cleanUp();
      process.exit(code);
    },
    (e: unknown) => {
      process.stderr.write(`${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      cleanUp();
      process.exit(1);
    },
  );
}

/** Temporary folders a benchmark made: removed by `cleanUp` (give it to runMain). */
export class TemporaryFolders {
  private readonly folders = new Set<string>();

  add(folder: string): string {
    this.folders.add(folder);
    return folder;
  }

  readonly cleanUp = (): void => {
    for (const dir of this.folders) rmSync(dir, { recursive: true, force: true });
    this.folders.clear();
  };
}
