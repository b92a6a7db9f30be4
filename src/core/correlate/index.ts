// The correlation engine: spans -> source locations. Pure: file contents come in through SourceIndex.setFile and the
// readFile function given to createSourceMaps.
export type {
  StackFrame,
  StackFormat,
  EvidenceKind,
  Evidence,
  SourceCandidate,
  PathMapping,
  SourceMaps,
  CorrelateOptions,
} from './types';
export { parseStackTrace } from './stack';
export { SourceIndex } from './sourceIndex';
export { createSourceMaps } from './sourceMaps';
export { correlateSpan } from './correlate';
export type { SpanInput } from './correlate';
