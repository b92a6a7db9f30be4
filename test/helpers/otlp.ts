// Hand-made OTLP payloads for edge cases the SDK cannot produce (bad ids, int64 past 2^53), encoded with protobufjs
// code generated from the official opentelemetry-proto definitions (not with TraceLens's own code).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import Long from 'long';

interface ProtoType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(o: object): object;
  toObject(m: object, options?: object): Record<string, Record<string, string>> & Record<string, string>;
}

interface ReferenceRoot {
  opentelemetry: {
    proto: {
      collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType; ExportTraceServiceResponse: ProtoType } } };
    };
  };
}

const root = createRequire(__filename)('otlp-proto-reference/build/src/generated/root.js') as ReferenceRoot;
export const reference = { collector: root.opentelemetry.proto.collector.trace.v1 };

export interface TestSpan {
  readonly traceId: Buffer;
  readonly spanId: Buffer;
  readonly traceIdHex: string;
  readonly bigAttribute?: string;
}

export function otlpSpan(o: { traceId?: Buffer; spanId?: Buffer; bigAttribute?: string } = {}): TestSpan {
  const traceId = o.traceId ?? randomBytes(16);
  return { traceId, spanId: o.spanId ?? randomBytes(8), traceIdHex: traceId.toString('hex'), bigAttribute: o.bigAttribute };
}

export function encodeRequest(spans: readonly TestSpan[], service = 'edge-cases'): Uint8Array {
  const message = reference.collector.ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              name: 'edge',
              kind: 2,
              startTimeUnixNano: Long.fromString('1700000000123456789', true),
              endTimeUnixNano: Long.fromString('1700000000223456789', true),
              attributes: s.bigAttribute ? [{ key: 'big', value: { intValue: Long.fromString(s.bigAttribute) } }] : [],
            })),
          },
        ],
      },
    ],
  });
  return reference.collector.ExportTraceServiceRequest.encode(message).finish();
}

/** An OTLP JSON request with one span; int64 values as strings, as the OTLP JSON encoding says. */
export function jsonRequest(traceId: string, spanId: string, bigInt = '1'): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-edge' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId,
                name: 'json-edge',
                startTimeUnixNano: '1700000000123456789',
                endTimeUnixNano: '1700000000223456789',
                attributes: [{ key: 'big', value: { intValue: bigInt } }],
              },
            ],
          },
        ],
      },
    ],
  });
}
