// OTLP/gRPC receiver: TraceService/Export and LogsService/Export (opentelemetry.proto.collector.*.v1) with
// @grpc/grpc-js (gzip included). The request bytes take the same path as OTLP/HTTP protobuf. Status codes as the OTLP spec says:
// INVALID_ARGUMENT for a malformed request, UNAVAILABLE (retryable) when the ingest queue is full.
import * as grpc from '@grpc/grpc-js';
import { MalformedPayloadError } from '../../core/model';
import { decodeLogsRequest, encodeLogsResponse } from '../../core/otlp/logs';
import { encodeTraceResponse } from '../../core/otlp/protobuf';
import { StoreWriteError } from '../../core/store/store';
import type { HostPort, ServerConfig } from '../config';
import { ADDRESS_OPTIONS, formatHostPort } from '../config';
import type { IngestQueue } from '../ingest';
import { QueueFullError } from '../ingest';
import type { ExportOutcome } from './export';
import { ingestLogs, ingestProtobufSpans } from './export';
import { PortInUseError } from './http';

/** A service with one unary Export method and raw protobuf bytes in and out. */
function rawExportService(service: string): grpc.ServiceDefinition {
  return {
    Export: {
      path: `/opentelemetry.proto.collector.${service}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  };
}

/** For clients that send pre-encoded requests (tests, benchmarks). */
export const RAW_TRACE_SERVICE = rawExportService('trace.v1.TraceService');
export const RAW_LOGS_SERVICE = rawExportService('logs.v1.LogsService');

/** The server's side: requests stay bytes for our decoders; responses are encoded from the export's outcome. */
function serverSide(raw: grpc.ServiceDefinition, encode: (rejected: number, message: string) => Uint8Array): grpc.ServiceDefinition {
  return { Export: { ...raw['Export']!, responseSerialize: (o: ExportOutcome) => Buffer.from(encode(o.rejected, o.errorMessage)) } };
}

export function createOtlpGrpcServer(config: ServerConfig, queue: IngestQueue, log: (line: string) => void): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': config.maxBodyBytes,
  });
  const handler =
    (work: (request: Buffer) => Promise<ExportOutcome>) =>
    (call: grpc.ServerUnaryCall<Buffer, ExportOutcome>, callback: grpc.sendUnaryData<ExportOutcome>): void => {
      work(call.request).then(
        (outcome) => callback(null, outcome),
        (e: unknown) => {
          if (e instanceof MalformedPayloadError) return callback({ code: grpc.status.INVALID_ARGUMENT, details: e.message });
          if (e instanceof QueueFullError || e instanceof StoreWriteError) return callback({ code: grpc.status.UNAVAILABLE, details: e.message });
          log(`OTLP/gRPC: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          callback({ code: grpc.status.INTERNAL, details: 'internal error in the TraceLens receiver; see its log' });
        },
      );
    };
  server.addService(serverSide(RAW_TRACE_SERVICE, encodeTraceResponse), {
    Export: handler((b) => ingestProtobufSpans('otlp-grpc', queue, b)),
  });
  server.addService(serverSide(RAW_LOGS_SERVICE, encodeLogsResponse), {
    Export: handler((b) => ingestLogs('otlp-grpc-logs', queue, 'otlp-logs-proto', b, () => decodeLogsRequest(b))),
  });
  return server;
}

/** Binds; on failure rejects with a message naming the address and the setting to change. */
export function bindGrpc(server: grpc.Server, address: HostPort): Promise<number> {
  const what = ADDRESS_OPTIONS['otlp-grpc'];
  const where = formatHostPort(address);
  return new Promise((resolve, reject) => {
    server.bindAsync(where, grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (!error) return resolve(port);
      const inUse = /EADDRINUSE|address already in use/i.test(error.message);
      const change = `change "${what.setting}" in the settings (or ${what.flag} on the command line)`;
      reject(inUse ? new PortInUseError(what.label, where, change) : new Error(`${what.label} receiver: cannot listen on ${where}: ${error.message}; ${change}`));
    });
  });
}
