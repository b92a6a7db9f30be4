// The debug integration, wired: launch and terminal environments, the sessions' traces in the Traces view, and the
// span at a breakpoint.
import type { DebugApi } from '../api';
import { readDebugConfig } from '../config';
import type { Ctx } from '../ctx';
import { UserError } from '../ctx';
import { nextEvent } from '../events';
import { snapshotTree } from '../views/snapshot';
import type { TracesView } from '../views/tracesView';
import { registerLaunchEnvironment } from './launch';
import { PausedSpanView } from './paused';
import { DebugSessions } from './sessions';

export function registerDebug(ctx: Ctx, traces: TracesView): DebugApi {
  const sessions = new DebugSessions(ctx);
  registerLaunchEnvironment(ctx, sessions);
  const paused = new PausedSpanView(ctx, sessions);
  traces.followSessions(sessions, () => readDebugConfig().sessionView);
  ctx.registerCommand('showSessionTraces', () => {
    if (!sessions.current) {
      throw new UserError('TraceLens: no debug session has been wired to the receiver yet. Start one (Run and Debug): its traces then show here.');
    }
    return traces.showOnlySession(true);
  });
  ctx.registerCommand('showAllTraces', () => traces.showOnlySession(false));

  return {
    paused: () => paused.state,
    pausedSettled: async (timeoutMs) =>
      paused.state.kind === 'reading' ? ((await nextEvent(paused.onDidChangeState, (s) => s.kind !== 'reading', timeoutMs)) ?? paused.state) : paused.state,
    session: () => {
      const s = sessions.current;
      return s && { tag: s.tag, name: s.name, ended: s.endNanos !== undefined, pids: [...s.pids] };
    },
    pausedView: () => snapshotTree(paused),
  };
}
