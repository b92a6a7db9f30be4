// The debug sessions TraceLens wired to its receiver: the tag each launch put in its processes' resource, the time
// window, and the process ids the debug adapters report. The Traces view asks the server for a session's traces
// (tracelens/sessionTraces). One debug adapter tracker watches every session: process ids, pauses and resumes.
import * as vscode from 'vscode';
import type { WireDebugSession } from '../../protocol/messages';
import type { Ctx } from '../ctx';
import { nowUnixNanos } from '../../core/model';

/** The property the launch provider adds to a configuration it wired: { session: tag, serviceName? }. */
export const LAUNCH_MARK = 'tracelensSession';

/** Requests after which the debuggee runs again. */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'restartFrame', 'restart', 'disconnect', 'terminate']);

export interface TracedSession {
  /** The tag in the processes' resource (tracelens.debug.session). */
  readonly tag: string;
  readonly name: string;
  readonly serviceName?: string;
  readonly startNanos: bigint;
  endNanos?: bigint;
  readonly pids: Set<number>;
}

/** Who hears of pauses: src/extension/debug/paused.ts. */
export interface PauseListener {
  stopped(session: vscode.DebugSession, threadId: number | undefined): void;
  resumed(session: vscode.DebugSession): void;
}

export function toWireSession(s: TracedSession): WireDebugSession {
  return {
    id: s.tag,
    name: s.name,
    ...(s.serviceName ? { serviceName: s.serviceName } : {}),
    startNanos: s.startNanos.toString(),
    ...(s.endNanos !== undefined ? { endNanos: s.endNanos.toString() } : {}),
    pids: [...s.pids],
  };
}

export class DebugSessions {
  private readonly byTag = new Map<string, TracedSession>();
  /** DAP session id -> tag, for every session of a wired launch (child sessions too). */
  private readonly tagOf = new Map<string, string>();
  private latest: TracedSession | undefined;
  private readonly changed = new vscode.EventEmitter<{ readonly started: boolean }>();
  /** A session started (started: true), got a process id or ended. */
  readonly onDidChange = this.changed.event;
  private pauses: PauseListener | undefined;

  constructor(private readonly ctx: Ctx) {
    ctx.pushExt(
      this.changed,
      vscode.debug.onDidStartDebugSession((s) => this.started(s)),
      vscode.debug.onDidTerminateDebugSession((s) => this.ended(s)),
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (m: unknown) => this.fromAdapter(session, m),
          onWillReceiveMessage: (m: unknown) => {
            const { type, command } = (m ?? {}) as { type?: unknown; command?: unknown };
            if (type === 'request' && typeof command === 'string' && RESUMING.has(command)) this.pauses?.resumed(session);
          },
          onExit: () => this.pauses?.resumed(session),
        }),
      }),
    );
  }

  /** The newest wired session (running or ended): what "this session" means in the Traces view. */
  get current(): TracedSession | undefined {
    return this.latest;
  }

  listenForPauses(listener: PauseListener): void {
    this.pauses = listener;
  }

  /** The launch provider wired a configuration; the session starts soon (its processes may export before it does). */
  launching(tag: string, name: string, serviceName: string | undefined): void {
    const s: TracedSession = { tag, name, ...(serviceName ? { serviceName } : {}), startNanos: nowUnixNanos(), pids: new Set() };
    this.byTag.set(tag, s);
    // Forget old sessions: a long editing day makes hundreds.
    for (const old of this.byTag.keys()) {
      if (this.byTag.size <= 50) break;
      this.byTag.delete(old);
    }
  }

  /** The wired session a DAP session belongs to (its own launch, or its parent's). */
  sessionOf(session: vscode.DebugSession): TracedSession | undefined {
    for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) {
      const tag = this.tagOf.get(s.id) ?? markOf(s.configuration);
      if (tag) return this.byTag.get(tag);
    }
    return undefined;
  }

  private started(session: vscode.DebugSession): void {
    // A child session (js-debug makes one per process) belongs to its parent's launch.
    const parent = session.parentSession && this.sessionOf(session.parentSession);
    if (parent) {
      this.tagOf.set(session.id, parent.tag);
      return;
    }
    const traced = this.sessionOf(session);
    if (!traced) return;
    this.tagOf.set(session.id, traced.tag);
    // A restart runs the same resolved configuration again: the session goes on.
    traced.endNanos = undefined;
    this.latest = traced;
    this.ctx.log.info(`debug session "${session.name}" (${session.type}): its traces are tagged ${traced.tag}`);
    this.changed.fire({ started: true });
  }

  private ended(session: vscode.DebugSession): void {
    this.pauses?.resumed(session);
    const tag = this.tagOf.get(session.id);
    this.tagOf.delete(session.id);
    const traced = tag ? this.byTag.get(tag) : undefined;
    if (!traced || session.parentSession) return;
    traced.endNanos = nowUnixNanos();
    this.changed.fire({ started: false });
  }

  private fromAdapter(session: vscode.DebugSession, m: unknown): void {
    if (typeof m !== 'object' || m === null || (m as { type?: unknown }).type !== 'event') return;
    const { event, body } = m as { event?: unknown; body?: Record<string, unknown> };
    if (event === 'stopped') {
      const threadId = body?.['threadId'];
      this.pauses?.stopped(session, typeof threadId === 'number' ? threadId : undefined);
    } else if (event === 'continued') {
      this.pauses?.resumed(session);
    } else if (event === 'process') {
      const pid = body?.['systemProcessId'];
      const traced = this.sessionOf(session);
      if (traced && typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 && !traced.pids.has(pid)) {
        traced.pids.add(pid);
        this.changed.fire({ started: false });
      }
    }
  }
}

function markOf(config: vscode.DebugConfiguration): string | undefined {
  const mark: unknown = config[LAUNCH_MARK];
  const tag = typeof mark === 'object' && mark !== null ? (mark as { session?: unknown }).session : undefined;
  return typeof tag === 'string' ? tag : undefined;
}
