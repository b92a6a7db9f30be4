// The correlation engine's public shapes: where a span's code is, and why the engine thinks so.

export type StackFormat = 'v8' | 'firefox' | 'safari' | 'python' | 'java' | 'go' | 'dotnet' | 'ruby';

/** One frame of a stack trace, as written by its runtime. Lines and columns are 1-based. */
export interface StackFrame {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly function?: string;
  /** The frame's text (capped), for display. */
  readonly raw: string;
  readonly format: StackFormat;
}

export type EvidenceKind =
  | 'code.attributes'
  | 'code.stacktrace'
  | 'exception.stacktrace'
  | 'log.stacktrace'
  | 'span-name'
  | 'http.route'
  | 'rpc.method'
  | 'db.query'
  | 'messaging.destination'
  | 'path-mapping'
  | 'source-map';

export interface Evidence {
  readonly kind: EvidenceKind;
  readonly detail: string;
}

export interface SourceCandidate {
  /** Absolute path of a file (as the index knows it), or the foreign path when unmapped. */
  readonly path: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column?: number;
  readonly functionName?: string;
  /** 0..1; >= 0.9 means "open it without asking which". */
  readonly confidence: number;
  /** False: the client asks before opening. */
  readonly inWorkspace: boolean;
  readonly evidence: readonly Evidence[];
  /** The whole stack, when a stack trace was the evidence. */
  readonly stack?: readonly StackFrame[];
}

/** A prefix rewrite (foreign prefix -> local prefix), tried before suffix matching. */
export interface PathMapping {
  readonly from: string;
  readonly to: string;
}

export interface SourceMaps {
  /** The original location of a generated one, or undefined when the file has no map or the map has no mapping there. */
  resolve(path: string, line: number, column?: number): { path: string; line: number; column?: number; name?: string } | undefined;
}

export interface CorrelateOptions {
  readonly pathMappings?: readonly PathMapping[];
  readonly sourceMaps?: SourceMaps;
}
