// The reference decoder: protobufjs static code generated from the official opentelemetry-proto definitions, as
// shipped by @opentelemetry/otlp-proto-exporter-base@0.51.1 (installed under the alias otlp-proto-reference, with
// its own protobufjs 7). Typed here for the few fields the reference receiver reads.
import * as generated from 'otlp-proto-reference/build/src/generated/root.js';

export interface RefSpan {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
}

export interface RefRequest {
  readonly resourceSpans: readonly { readonly scopeSpans: readonly { readonly spans: readonly RefSpan[] }[] }[];
}

interface GeneratedRoot {
  readonly opentelemetry: {
    readonly proto: { readonly collector: { readonly trace: { readonly v1: { readonly ExportTraceServiceRequest: { decode(bytes: Uint8Array): RefRequest } } } } };
  };
}

const root = generated as unknown as GeneratedRoot;
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** ExportTraceServiceRequest.decode of the generated code. */
export function decodeReference(bytes: Uint8Array): RefRequest {
  return ExportTraceServiceRequest.decode(bytes);
}

/** The span shape of OTLP JSON, as far as the reference receiver reads it. */
export interface JsonRequest {
  readonly resourceSpans?: readonly { readonly scopeSpans?: readonly { readonly spans?: readonly { readonly traceId: string; readonly spanId: string }[] }[] }[];
}
