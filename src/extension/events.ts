// Waiting on a VS Code event with a deadline.
import type * as vscode from 'vscode';

/** The first value of `event` that `accept` takes, or undefined once `ms` have passed. */
export function nextEvent<T>(event: vscode.Event<T>, accept: (value: T) => boolean, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(undefined);
    }, ms);
    const sub = event((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}
