// A Node process stopped at a `debugger` statement, with a Chrome DevTools Protocol session on its inspector, spoken
// over ws the way a debug adapter does: started with --inspect-brk=127.0.0.1:0, the ws URL read from its stderr,
// Runtime/Debugger enabled, run past the first-line stop to the program's own `debugger` statement. Every wait is
// bounded (stepMs); a process that exits early fails the wait with its stderr. Used by the probe's test
// (test/protocol/debug-probe.test.ts) and by the debug benchmark (bench/debug.ts).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import WebSocket from 'ws';

export interface CallFrame {
  readonly callFrameId: string;
  readonly functionName: string;
  readonly url: string;
  readonly location: { readonly lineNumber: number };
}

/** The parameters of Debugger.paused that are read here. */
export interface PausedEvent {
  readonly reason: string;
  readonly callFrames: readonly CallFrame[];
}

export interface DebuggeeOptions {
  /** The script Node runs. */
  readonly program: string;
  /** Its arguments. */
  readonly args?: readonly string[];
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Deadline of each step (the inspector URL, the connection, each CDP answer, the pause, the exit), ms; default 10 000. */
  readonly stepMs?: number;
}

interface CdpMessage {
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: { readonly message: string };
  readonly method?: string;
  readonly params?: unknown;
}

interface EvaluateResult {
  readonly result: { readonly type: string; readonly value?: unknown };
  readonly exceptionDetails?: { readonly text: string; readonly exception?: { readonly description?: string } };
}

const LISTENING = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/;
/** Probe answers of big traces are tens of MB; ws's default limit (100 MiB) is near enough to matter. */
const MAX_PAYLOAD = 256 * 1024 * 1024;

/** Rejects after `ms` with what was being waited for. */
function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// Debuggees not closed yet, killed if this process exits first (a failed test, a benchmark stopped with Ctrl+C).
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A Node process stopped at its `debugger` statement, with an inspector session on it. */
export class Debuggee {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly pauses: PausedEvent[] = [];
  private pauseWaiter: (() => void) | undefined;
  private exited: Error | undefined;
  private stopped: PausedEvent | undefined;

  private constructor(
    readonly child: ChildProcess,
    private readonly ws: WebSocket,
    private readonly name: string,
    private readonly stepMs: number,
    private readonly output: { text: string },
  ) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as CdpMessage;
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result);
      } else if (msg.method === 'Debugger.paused') {
        this.pauses.push(msg.params as PausedEvent);
        this.pauseWaiter?.();
      }
    });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      this.exited = new Error(`${name} exited (${code ?? signal}): ${this.stderr}`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
      this.pauseWaiter?.();
    };
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.once('exit', onExit);
  }

  /** Starts `program` under --inspect-brk and lets it run to its `debugger` statement. */
  static async start(options: DebuggeeOptions): Promise<Debuggee> {
    const stepMs = options.stepMs ?? 10_000;
    const name = `the debuggee ${basename(options.program)}`;
    const child = spawn(process.execPath, ['--inspect-brk=127.0.0.1:0', options.program, ...(options.args ?? [])], {
      cwd: options.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    track(child);
    const output = { text: '' };
    child.stderr!.on('data', (d: Buffer) => (output.text += d.toString('utf8')));
    try {
      const url = await deadline(
        new Promise<string>((resolve, reject) => {
          const check = (): void => {
            const m = LISTENING.exec(output.text);
            if (m) resolve(m[1]!);
          };
          child.stderr!.on('data', check);
          child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before its inspector listened: ${output.text}`)));
          check();
        }),
        stepMs,
        `${name}: the inspector URL`,
      );
      const ws = new WebSocket(url, { maxPayload: MAX_PAYLOAD });
      await deadline(
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        }),
        stepMs,
        `${name}: the inspector connection`,
      );
      const d = new Debuggee(child, ws, name, stepMs, output);
      await d.send('Runtime.enable');
      await d.send('Debugger.enable');
      await d.send('Runtime.runIfWaitingForDebugger');
      // --inspect-brk stops on the first line first; the program's `debugger` statement is the stop of reason 'other'.
      for (;;) {
        const paused = await d.nextPause();
        if (paused.reason === 'other') {
          d.stopped = paused;
          return d;
        }
        await d.send('Debugger.resume');
      }
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
  }

  /** Everything the process wrote to stderr so far (the inspector's own lines included). */
  get stderr(): string {
    return this.output.text;
  }

  /** The stop at the `debugger` statement. */
  get paused(): PausedEvent {
    if (!this.stopped) throw new Error(`${this.name} has not stopped at its debugger statement`);
    return this.stopped;
  }

  /** Sends a CDP command; resolves with its result, rejects with its error, the process's exit, or after stepMs. */
  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.ws.send(JSON.stringify({ id, method, params }));
    return deadline(answer, this.stepMs, `${this.name}: ${method}`).finally(() => this.pending.delete(id));
  }

  /** The next Debugger.paused event (queued ones first). */
  private nextPause(): Promise<PausedEvent> {
    return deadline(
      new Promise<PausedEvent>((resolve, reject) => {
        const check = (): void => {
          const p = this.pauses.shift();
          if (p) {
            this.pauseWaiter = undefined;
            resolve(p);
          } else if (this.exited) {
            this.pauseWaiter = undefined;
            reject(new Error(`${this.exited.message} (before pausing)`));
          } else this.pauseWaiter = check;
        };
        check();
      }),
      this.stepMs,
      `${this.name}: Debugger.paused`,
    ).finally(() => (this.pauseWaiter = undefined));
  }

  /**
   * Evaluates an expression in the paused (top) frame with Debugger.evaluateOnCallFrame, returned by value, as a debug
   * adapter's evaluate does; `extra` adds parameters (silent, timeout, ...). Throws what the expression threw.
   */
  async evaluate(expression: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    const r = await this.send<EvaluateResult>('Debugger.evaluateOnCallFrame', {
      callFrameId: this.paused.callFrames[0]!.callFrameId,
      expression,
      returnByValue: true,
      ...extra,
    });
    if (r.exceptionDetails) throw new Error(`evaluation failed: ${r.exceptionDetails.text} ${r.exceptionDetails.exception?.description ?? ''}`.trimEnd());
    return r.result.value;
  }

  /** Closes the session and kills the process; waits (bounded) for its exit. */
  async close(): Promise<void> {
    this.ws.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await deadline(exited, this.stepMs, `${this.name}: the exit`);
    }
  }
}
